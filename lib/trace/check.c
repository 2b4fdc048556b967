/*
 * The --check bookkeeping: a lookup count per nodeid, a state per file
 * handle, and the uniques of requests that take no reply, each in a hash
 * map.  Every rule looks at one event; the message says what was wrong
 * in the words of the protocol.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/describe.h"
#include "protocol/opcode.h"
#include "trace/check.h"
#include "trace/u64map.h"

#define OUT_HDR sizeof(struct fuse_out_header)
#define MAX_NOREPLY (1u << 20) /* uniques remembered; then start over */

enum { FH_OPEN = 1, FH_RELEASED = 2 };

struct fbr_check {
	FILE *out;
	uint64_t start_clock, count;
	bool started, complete;  /* complete: the trace begins with INIT */
	struct fbr_u64map lookups, handles, noreply;
};

struct fbr_check *fbr_check_new(FILE *out, uint64_t start_clock)
{
	struct fbr_check *c = calloc(1, sizeof(*c));

	if (c) {
		c->out = out;
		c->start_clock = start_clock;
	}
	return c;
}

void fbr_check_free(struct fbr_check *c)
{
	if (!c)
		return;
	fbr_u64map_free(&c->lookups);
	fbr_u64map_free(&c->handles);
	fbr_u64map_free(&c->noreply);
	free(c);
}

uint64_t fbr_check_count(const struct fbr_check *c)
{
	return c->count;
}

static void violation(struct fbr_check *c, const struct fbr_event *ev,
		      const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void violation(struct fbr_check *c, const struct fbr_event *ev,
		      const char *fmt, ...)
{
	uint64_t ts = ev->req.p ? ev->req.ts : ev->rep.ts;
	uint64_t rel = ts > c->start_clock ? ts - c->start_clock : 0;
	va_list ap;

	c->count++;
	fprintf(c->out, "%llu.%06llu #%llu %s: ", (unsigned long long)(rel / 1000000000),
		(unsigned long long)(rel / 1000 % 1000000),
		(unsigned long long)(ev->req.p ? ev->in.unique : ev->out.unique),
		ev->opname);
	va_start(ap, fmt);
	vfprintf(c->out, fmt, ap);
	va_end(ap);
	fputc('\n', c->out);
}

static void check_length(struct fbr_check *c, const struct fbr_decoder *d,
			 const struct fbr_event *ev)
{
	uint64_t len = ev->rep.origlen - OUT_HDR;
	uint32_t minor = fbr_decoder_minor(d);
	long want;

	if (ev->out.error > 0 || ev->out.error <= -4096) {
		violation(c, ev, "invalid error %d in the reply", ev->out.error);
		return;
	}
	if (ev->out.error) {
		if (len)
			violation(c, ev, "error reply carries %llu bytes",
				  (unsigned long long)len);
		return;
	}
	want = fbr_reply_size(ev->in.opcode, ev->args);
	if (ev->in.opcode == FUSE_INIT)
		want = minor && minor < 23 ? FUSE_COMPAT_22_INIT_OUT_SIZE :
		       (long)sizeof(struct fuse_init_out);
	if (want >= 0 && len != (uint64_t)want)
		violation(c, ev, "reply of %llu bytes, protocol 7.%u wants %ld",
			  (unsigned long long)len, minor, want);
}

static void add_lookup(struct fbr_check *c, uint64_t nodeid)
{
	uint64_t *n = fbr_u64map_get(&c->lookups, nodeid);

	if (n)
		(*n)++;
	else
		fbr_u64map_put(&c->lookups, nodeid, 1);
}

/* READDIRPLUS: every entry with a nodeid, but . and .., is a lookup. */
static void readdirplus_lookups(struct fbr_check *c, const struct fbr_event *ev)
{
	const unsigned char *p = ev->rep.p + OUT_HDR;
	size_t len = ev->rep.caplen - OUT_HDR, off = 0;

	while (off + FUSE_NAME_OFFSET_DIRENTPLUS <= len) {
		struct fuse_direntplus dp;
		const char *name = (const char *)p + off + FUSE_NAME_OFFSET_DIRENTPLUS;

		memcpy(&dp, p + off, sizeof(dp));
		if (dp.dirent.namelen > FUSE_NAME_MAX ||
		    off + FUSE_NAME_OFFSET_DIRENTPLUS + dp.dirent.namelen > len)
			break;
		if (dp.entry_out.nodeid &&
		    !(dp.dirent.namelen == 1 && name[0] == '.') &&
		    !(dp.dirent.namelen == 2 && !memcmp(name, "..", 2)))
			add_lookup(c, dp.entry_out.nodeid);
		off += FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET_DIRENTPLUS +
					 dp.dirent.namelen);
	}
}

static void forget(struct fbr_check *c, const struct fbr_event *ev,
		   uint64_t nodeid, uint64_t nlookup)
{
	uint64_t *n = fbr_u64map_get(&c->lookups, nodeid);
	uint64_t have = n ? *n : 0;

	if (nodeid == FUSE_ROOT_ID || !c->complete)
		return;
	if (have < nlookup)
		violation(c, ev, "forgets nodeid %llu %llu times, looked up %llu",
			  (unsigned long long)nodeid, (unsigned long long)nlookup,
			  (unsigned long long)have);
	if (have <= nlookup)
		fbr_u64map_del(&c->lookups, nodeid, NULL);
	else
		*n = have - nlookup;
}

static void forgets(struct fbr_check *c, const struct fbr_event *ev)
{
	const struct fbr_args *a = ev->args;

	if (ev->in.opcode == FUSE_FORGET) {
		forget(c, ev, ev->in.nodeid,
		       ((const struct fuse_forget_in *)a->in)->nlookup);
		return;
	}
	for (uint32_t i = 0; i < a->taillen / sizeof(struct fuse_forget_one); i++) {
		struct fuse_forget_one one;

		memcpy(&one, (const char *)a->tail + i * sizeof(one), sizeof(one));
		forget(c, ev, one.nodeid, one.nlookup);
	}
}

/* The handle an OPEN-like reply gave out: false if none. */
static bool opened_fh(const struct fbr_event *ev, uint64_t *fh)
{
	size_t at = OUT_HDR;

	switch (ev->in.opcode) {
	case FUSE_OPEN: case FUSE_OPENDIR:
		break;
	case FUSE_CREATE: case FUSE_TMPFILE:
		at += sizeof(struct fuse_entry_out);
		break;
	default:
		return false;
	}
	if (ev->out.error || ev->rep.caplen < at + sizeof(struct fuse_open_out))
		return false;
	memcpy(fh, ev->rep.p + at, sizeof(*fh));
	return true;
}

/* Opcodes whose argument struct starts with the file handle. */
static bool uses_fh(uint32_t opcode)
{
	switch (opcode) {
	case FUSE_READ: case FUSE_WRITE: case FUSE_FLUSH: case FUSE_FSYNC:
	case FUSE_READDIR: case FUSE_READDIRPLUS: case FUSE_FSYNCDIR:
	case FUSE_GETLK: case FUSE_SETLK: case FUSE_SETLKW: case FUSE_LSEEK:
	case FUSE_FALLOCATE: case FUSE_IOCTL: case FUSE_POLL:
	case FUSE_COPY_FILE_RANGE: case FUSE_COPY_FILE_RANGE_64:
	case FUSE_RELEASE: case FUSE_RELEASEDIR:
		return true;
	default:
		return false;
	}
}

static void check_fh(struct fbr_check *c, const struct fbr_event *ev)
{
	uint64_t fh, *state;
	bool release = ev->in.opcode == FUSE_RELEASE ||
		       ev->in.opcode == FUSE_RELEASEDIR;

	if (!ev->args || !uses_fh(ev->in.opcode))
		return;
	memcpy(&fh, ev->args->in, sizeof(fh));
	state = fbr_u64map_get(&c->handles, fh);
	if (state && *state == FH_RELEASED)
		violation(c, ev, "fh %#llx used after its release",
			  (unsigned long long)fh);
	else if (!state && c->complete)
		violation(c, ev, "fh %#llx was never opened",
			  (unsigned long long)fh);
	if (release)
		fbr_u64map_put(&c->handles, fh, FH_RELEASED);
}

static void on_call(struct fbr_check *c, const struct fbr_decoder *d,
		    const struct fbr_event *ev)
{
	uint64_t nodeid = fbr_event_new_nodeid(ev), fh;

	if (ev->rep.caplen >= OUT_HDR)
		check_length(c, d, ev);
	if (nodeid)
		add_lookup(c, nodeid);
	if (ev->in.opcode == FUSE_READDIRPLUS && !ev->out.error)
		readdirplus_lookups(c, ev);
	check_fh(c, ev);
	if (opened_fh(ev, &fh))
		fbr_u64map_put(&c->handles, fh, FH_OPEN);
}

static void on_orphan(struct fbr_check *c, const struct fbr_event *ev)
{
	uint64_t *op = fbr_u64map_get(&c->noreply, ev->out.unique);
	const char *n = op ? fbr_opcode_name((uint32_t)*op) : NULL;

	if (n)
		violation(c, ev, "a reply to %s, which takes none", n);
	else
		violation(c, ev, "a reply to no request in the trace");
}

static void on_noreply(struct fbr_check *c, const struct fbr_event *ev)
{
	if (!ev->args)
		return;
	if (c->noreply.n >= MAX_NOREPLY)
		fbr_u64map_clear(&c->noreply);
	fbr_u64map_put(&c->noreply, ev->in.unique, ev->in.opcode);
	if (ev->in.opcode == FUSE_FORGET || ev->in.opcode == FUSE_BATCH_FORGET)
		forgets(c, ev);
}

void fbr_check_event(struct fbr_check *c, const struct fbr_decoder *d,
		     const struct fbr_event *ev)
{
	if (!c->started && ev->req.p) {
		c->started = true;
		c->complete = ev->in.opcode == FUSE_INIT;
	}
	if (ev->req.p && !ev->args && ev->parse_err != -EMSGSIZE) /* cut: fine */
		violation(c, ev, "malformed request (%u bytes)", ev->req.caplen);
	switch (ev->kind) {
	case FBR_EV_CALL:
		on_call(c, d, ev);
		break;
	case FBR_EV_NOREPLY:
		on_noreply(c, ev);
		break;
	case FBR_EV_UNANSWERED:
		check_fh(c, ev);
		violation(c, ev, "never answered");
		break;
	case FBR_EV_ORPHAN:
		on_orphan(c, ev);
		break;
	case FBR_EV_NOTIFY:
		break;
	}
}
