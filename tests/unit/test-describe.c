/*
 * The describers: exact text and JSON for representative messages, every
 * opcode covered, and damaged replies described without reading past
 * their end (the sanitizer build checks that).
 */
#include <fcntl.h>
#include <limits.h>
#include <string.h>

#include "protocol/describe.h"
#include "protocol/names.h"
#include "protocol/opcode.h"
#include "tap.h"
#include "wire.h"

static const char *describe_req(struct fbr_emit *e, struct wire *w)
{
	struct fbr_parse_opts o = { .minor = 45, .setxattr_ext = true };
	struct fbr_args a;
	static unsigned char buf[8192] __attribute__((aligned(8)));

	w_end(w);
	memcpy(buf, w->b, w->len);
	fbr_emit_reset(e);
	if (fbr_args_parse(buf, w->len, &o, &a) != 0)
		return "(unparsed)";
	fbr_describe_args(e, (const struct fuse_in_header *)buf, &a);
	return e->p ? e->p : "";
}

static void test_requests(void)
{
	struct fbr_emit t, j;
	struct wire w;
	struct fuse_create_in ci = { .flags = O_WRONLY | O_CREAT | O_TRUNC,
				     .mode = 0100644, .umask = 022 };
	struct fuse_setattr_in sa = { .valid = FATTR_SIZE | FATTR_MODE,
				      .size = 10, .mode = 0755 };

	fbr_emit_init(&t, false);
	fbr_emit_init(&j, true);
	const char *got;

	w_start(&w, FUSE_LOOKUP, 1, 1);
	w_str(&w, "a \"b\"\n");
	got = describe_req(&t, &w);
	ok(!strcmp(got, "name=\"a \\\"b\\\"\\x0a\""),
	   "LOOKUP: name quoted and escaped: %s", got);
	got = describe_req(&j, &w);
	ok(!strcmp(got, "\"name\": \"a \\\"b\\\"\\u000a\""),
	   "LOOKUP as JSON: %s", got);
	w_start(&w, FUSE_CREATE, 2, 1);
	w_add(&w, &ci, sizeof(ci));
	w_str(&w, "f");
	ok(!strcmp(describe_req(&t, &w), "name=\"f\", flags=O_WRONLY|O_CREAT|"
		   "O_TRUNC, mode=S_IFREG|0644, umask=022"),
	   "CREATE: flags and mode symbolic: %s", t.p);
	w_start(&w, FUSE_SETATTR, 3, 5);
	w_add(&w, &sa, sizeof(sa));
	ok(!strcmp(describe_req(&t, &w), "valid=FATTR_MODE|FATTR_SIZE, "
		   "mode=0755, size=10"), "SETATTR: only the valid fields: %s", t.p);
	ok(!strcmp(describe_req(&j, &w), "\"valid\": \"FATTR_MODE|FATTR_SIZE\", "
		   "\"mode\": \"0755\", \"size\": 10"), "SETATTR as JSON: %s", j.p);
	fbr_emit_release(&t);
	fbr_emit_release(&j);
}

static void test_replies(void)
{
	struct fbr_emit t;
	struct fuse_open_out oo = { .fh = 0x10, .open_flags = FOPEN_KEEP_CACHE };
	struct fuse_write_out wo = { .size = 4096 };
	char dir[64] = { 0 };
	struct fuse_dirent d = { .ino = 7, .off = 1, .namelen = 3, .type = 8 };

	fbr_emit_init(&t, false);
	fbr_describe_reply(&t, FUSE_OPEN, NULL, &oo, sizeof(oo));
	ok(!strcmp(t.p, "fh=0x10, open_flags=FOPEN_KEEP_CACHE"), "OPEN reply: %s", t.p);
	fbr_emit_reset(&t);
	fbr_describe_reply(&t, FUSE_WRITE, NULL, &wo, sizeof(wo));
	ok(!strcmp(t.p, "size=4096"), "WRITE reply: %s", t.p);
	fbr_emit_reset(&t);
	fbr_describe_reply(&t, FUSE_WRITE, NULL, &wo, 3);
	ok(!strcmp(t.p, "short_reply_bytes=3"), "a short reply is said so: %s", t.p);
	memcpy(dir, &d, sizeof(d));
	memcpy(dir + 24, "abc", 3);
	fbr_emit_reset(&t);
	fbr_describe_reply(&t, FUSE_READDIR, NULL, dir, 32);
	ok(!strcmp(t.p, "entries=[{name=\"abc\", ino=7, type=8, off=1}]"),
	   "READDIR reply: %s", t.p);
	d.namelen = 200; /* runs past the reply */
	memcpy(dir, &d, sizeof(d));
	fbr_emit_reset(&t);
	fbr_describe_reply(&t, FUSE_READDIR, NULL, dir, 32);
	ok(!strcmp(t.p, "entries=[], trailing_bytes=32"),
	   "a dirent longer than the reply is not read: %s", t.p);
	fbr_emit_release(&t);
}

/* Every opcode: its zero-filled request and reply are described. */
static void test_coverage(void)
{
	static const char zero[512];
	unsigned described = 0, total = 0;
	struct fbr_emit t;

	fbr_emit_init(&t, false);
	for (uint32_t op = 1; op <= FUSE_OPCODE_MAX; op++) {
		const struct fbr_opdesc *d = fbr_opdesc(op);
		long size = fbr_reply_size(op, NULL);

		if (!d || (d->flags & FBR_OP_NOREPLY))
			continue;
		total++;
		fbr_emit_reset(&t);
		fbr_describe_reply(&t, op, NULL, zero, size > 0 ? (size_t)size : 0);
		if (size == 0 || (size > 0 && t.len > 0 &&
				  !strstr(t.p, "short_reply")) ||
		    (size < 0 && t.len > 0))
			described++;
		else
			diag("%s: reply size %ld, described as '%s'", d->name,
			     size, t.p ? t.p : "");
	}
	is_int(described, total, "every opcode's reply has a layout and a describer");
	fbr_emit_release(&t);
	ok(!strcmp(fbr_errno_name(-2), "ENOENT") && fbr_errno_value("EXDEV") == 18,
	   "errno names both ways");
	/* Found by fuzz-trace: a reply's error of INT_MIN, negated. */
	ok(fbr_errno_name(INT_MIN) == NULL && fbr_errno_name(INT_MAX) == NULL,
	   "errno names of INT_MIN and INT_MAX: none, and no overflow");
}

int main(void)
{
	test_requests();
	test_replies();
	test_coverage();
	return done_testing();
}
