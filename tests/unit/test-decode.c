/*
 * The trace decoder: requests joined with their replies by unique, paths
 * learned from LOOKUP and moved by RENAME, requests without a reply,
 * unanswered requests, orphan replies, notifications, the exact text and
 * JSON lines; and the hash map under it, through many deletions.
 */
#include <string.h>

#include "tap.h"
#include "trace/decode.h"
#include "trace/u64map.h"

static struct fbr_emit out;
static struct fbr_render_opts ro = { .start_clock = 1000 };
static struct fbr_decoder *dec;
static int events;

static void on_event(void *ctx, const struct fbr_event *ev)
{
	(void)ctx;
	events++;
	fbr_decoder_render(dec, &out, ev, &ro);
}

static void feed(uint16_t type, uint64_t ts, const void *p, size_t len)
{
	struct fbr_trace_rec rec = { .h = { .type = type, .ts = ts,
					    .caplen = (uint32_t)len,
					    .origlen = (uint32_t)len },
				     .data = p };
	static uint64_t offset;

	rec.offset = offset += 64;
	fbr_decoder_feed(dec, &rec);
}

static void request(uint32_t op, uint64_t unique, uint64_t nodeid,
		    const void *arg, size_t len, uint64_t ts)
{
	unsigned char b[512] __attribute__((aligned(8)));
	struct fuse_in_header h = { .len = (uint32_t)(sizeof(h) + len),
				    .opcode = op, .unique = unique,
				    .nodeid = nodeid };

	memcpy(b, &h, sizeof(h));
	if (len)
		memcpy(b + sizeof(h), arg, len);
	feed(FBR_REC_REQUEST, ts, b, h.len);
}

static void reply(int32_t error, uint64_t unique, const void *p, size_t len,
		  uint64_t ts)
{
	unsigned char b[512] __attribute__((aligned(8)));
	struct fuse_out_header h = { .len = (uint32_t)(sizeof(h) + len),
				     .error = error, .unique = unique };

	memcpy(b, &h, sizeof(h));
	if (len)
		memcpy(b + sizeof(h), p, len);
	feed(unique ? FBR_REC_REPLY : FBR_REC_NOTIFY, ts, b, h.len);
}

static bool line_is(const char *want)
{
	bool same = out.p && !strcmp(out.p, want);

	if (!same)
		diag("got  %s\nwant %s", out.p ? out.p : "(nothing)", want);
	fbr_emit_reset(&out);
	return same;
}

static void test_pairs(void)
{
	struct fuse_entry_out eo = { .nodeid = 5 };
	struct fuse_rename2_in rn = { .newdir = 1 };
	char rnargs[sizeof(rn) + 6];

	request(FUSE_LOOKUP, 2, 1, "a", 2, 2000);
	ok(events == 0, "a request waits for its reply");
	reply(0, 2, &eo, sizeof(eo), 47000);
	ok(line_is("0.000001 [0] #2 LOOKUP(nodeid=1, path=\"/\", name=\"a\") = 0 "
		   "{nodeid=5, generation=0, entry_valid=0.000000000, "
		   "attr_valid=0.000000000, attr={ino=0, mode=0, nlink=0, uid=0, "
		   "gid=0, size=0, blocks=0, atime=0.000000000, mtime=0.000000000, "
		   "ctime=0.000000000, blksize=0}} <0.000045>\n"),
	   "LOOKUP joined with its reply, path and latency shown");
	request(FUSE_GETATTR, 4, 5, &(struct fuse_getattr_in){ 0 },
		sizeof(struct fuse_getattr_in), 3000);
	request(FUSE_UNLINK, 6, 5, "x\n", 3, 3000);
	reply(-2, 6, NULL, 0, 4000);
	ok(line_is("0.000002 [0] #6 UNLINK(nodeid=5, path=\"/a\", name=\"x\\x0a\") "
		   "= ENOENT <0.000001>\n"),
	   "replies joined out of order; a learned path; errno by name");
	reply(-13, 4, NULL, 0, 5000);
	ok(line_is("0.000002 [0] #4 GETATTR(nodeid=5, path=\"/a\") = EACCES "
		   "<0.000002>\n"), "the earlier request's reply after it");
	memcpy(rnargs, &rn, sizeof(rn));
	memcpy(rnargs + sizeof(rn), "a\0b\0\0", 6);
	request(FUSE_RENAME2, 8, 1, rnargs, sizeof(rn) + 4, 6000);
	reply(0, 8, NULL, 0, 6000);
	fbr_emit_reset(&out);
	request(FUSE_FORGET, 10, 5, &(struct fuse_forget_in){ .nlookup = 1 },
		sizeof(struct fuse_forget_in), 7000);
	ok(line_is("0.000006 [0] #10 FORGET(nodeid=5, path=\"/b\", nlookup=1)\n"),
	   "FORGET shown at once; RENAME moved the path");
}

static void test_alone(void)
{
	struct fuse_notify_inval_entry_out ie = { .parent = 1, .namelen = 1 };
	char n[sizeof(ie) + 2];

	reply(0, 99, NULL, 0, 8000);
	ok(line_is("0.000007 [0] #99 <reply to no request> = 0\n"), "orphan reply");
	memcpy(n, &ie, sizeof(ie));
	memcpy(n + sizeof(ie), "z", 2);
	reply(FUSE_NOTIFY_INVAL_ENTRY, 0, n, sizeof(n), 9000);
	ok(line_is("0.000008 [0] --- NOTIFY_INVAL_ENTRY {parent=1, name=\"z\"} ---\n"),
	   "notification");
	request(FUSE_STATFS, 12, 1, NULL, 0, 10000);
	request(FUSE_READLINK, 14, 1, NULL, 0, 11000);
	fbr_decoder_finish(dec);
	ok(line_is("0.000009 [0] #12 STATFS(nodeid=1, path=\"/\") = ? <unanswered>\n"
		   "0.000010 [0] #14 READLINK(nodeid=1, path=\"/\") = ? <unanswered>\n"),
	   "unanswered requests at the end, in the order they came");
}

static void test_json(void)
{
	fbr_emit_release(&out);
	fbr_emit_init(&out, true);
	ro.json = true;
	request(FUSE_UNLINK, 16, 1, "q", 2, 2000);
	reply(-2, 16, NULL, 0, 3000);
	ok(line_is("{\"type\": \"call\", \"time\": 0.000001, \"thread\": 0, "
		   "\"unique\": 16, \"opcode\": \"UNLINK\", \"nodeid\": 1, "
		   "\"path\": \"/\", \"args\": {\"name\": \"q\"}, \"error\": -2, "
		   "\"errno\": \"ENOENT\", \"reply\": {}, \"latency\": 0.000001}\n"),
	   "a pair as JSON");
}

static void test_map(void)
{
	struct fbr_u64map m = { 0 };
	bool good = true;

	for (uint64_t k = 0; k < 10000; k++)
		fbr_u64map_put(&m, k * 2, k);
	for (uint64_t k = 0; k < 10000; k += 2)
		good &= fbr_u64map_del(&m, k * 2, NULL);
	for (uint64_t k = 0; k < 10000; k++) {
		uint64_t *v = fbr_u64map_get(&m, k * 2);

		good &= k % 2 ? v && *v == k : !v;
	}
	ok(good && m.n == 5000, "u64map: 10000 keys, every other one deleted");
	fbr_u64map_free(&m);
}

int main(void)
{
	fbr_emit_init(&out, false);
	fbr_decoder_new(on_event, NULL, &dec);
	test_pairs();
	test_alone();
	test_json();
	test_map();
	fbr_decoder_free(dec);
	fbr_emit_release(&out);
	return done_testing();
}
