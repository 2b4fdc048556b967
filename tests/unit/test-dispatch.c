/*
 * Golden tests of the dispatcher: raw request bytes in, exact reply bytes
 * out, through the memory transport and a fake driver.  Every opcode, every
 * kind of malformed request, session states, INIT negotiation, INTERRUPT.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fakefs.h"
#include "protocol/opcode.h"
#include "tap.h"
#include "wire.h"

#define MAX_WRITE (1024 * 1024)
#define ALL_FLAGS 0xffffffffu

static struct fbr_memsink M;
static uint64_t uniq = 100;

static struct fbr_session *new_session(const struct fbr_driver_ops *ops,
				       uint64_t transport_flags)
{
	static struct fbr_driver drv;
	struct fbr_session_opts o = { .max_write = MAX_WRITE,
				      .transport_flags = transport_flags };

	drv.ops = ops;
	drv.fs = NULL;
	return fbr_session_new(&drv, &o);
}

/* Send req; the replies must be exactly want (len 0: no reply at all). */
static bool expect(struct fbr_session *s, struct wire *req, struct wire *want,
		   const char *what)
{
	w_end(req);
	if (want->len)
		w_end(want);
	w_send(s, req, &M);
	return is_bytes(M.reply, M.reply_len, want->b, want->len, "%s", what);
}

static bool expect_err(struct fbr_session *s, struct wire *req, int err,
		       const char *what)
{
	struct fuse_in_header h;
	struct wire want;

	memcpy(&h, req->b, sizeof(h));
	w_reply(&want, err, h.unique);
	return expect(s, req, &want, what);
}

static bool expect_none(struct fbr_session *s, struct wire *req,
			const char *what)
{
	struct wire want = { .len = 0 };

	return expect(s, req, &want, what);
}

static void init_in(struct wire *w, uint32_t minor, uint32_t flags,
		    uint32_t flags2, size_t size)
{
	struct fuse_init_in in = { .major = 7, .minor = minor,
				   .max_readahead = 131072, .flags = flags,
				   .flags2 = flags2 };

	w_start(w, FUSE_INIT, ++uniq, 0);
	w_add(w, &in, size);
}

static struct fuse_init_out do_init(struct fbr_session *s, uint32_t minor,
				    uint32_t flags, uint32_t flags2, size_t size)
{
	struct fuse_init_out out = { 0 };
	struct wire w;

	init_in(&w, minor, flags, flags2, size);
	w_end(&w);
	w_send(s, &w, &M);
	if (M.reply_len == sizeof(struct fuse_out_header) + sizeof(out))
		memcpy(&out, M.reply + sizeof(struct fuse_out_header), sizeof(out));
	return out;
}

static struct fbr_session *live_session(void)
{
	struct fbr_session *s = new_session(&fake_ops, 0);

	do_init(s, 45, ALL_FLAGS, ALL_FLAGS, sizeof(struct fuse_init_in));
	return s;
}

static void test_before_init(void)
{
	struct fbr_session *s = new_session(&fake_ops, 0);
	struct fuse_forget_in f = { 1 };
	struct wire w;

	w_start(&w, FUSE_LOOKUP, ++uniq, 1);
	w_str(&w, "a");
	expect_err(s, &w, -EIO, "LOOKUP before INIT is refused with EIO");
	w_start(&w, FUSE_FORGET, ++uniq, 5);
	w_add(&w, &f, sizeof(f));
	expect_none(s, &w, "FORGET before INIT gets no reply");
	is_int(fake_last.forgets, 0, "and does not reach the driver");
	is_int(fbr_session_state(s), FBR_SESSION_NEW, "session still new");
	fbr_session_free(s);
}

static void test_init_745(void)
{
	struct fbr_session *s = new_session(&fake_ops, 0);
	struct fuse_init_out want = { .major = 7, .minor = 45,
				      .max_readahead = 131072,
				      .max_write = MAX_WRITE, .time_gran = 1 };
	uint64_t granted = FUSE_ASYNC_READ | FUSE_BIG_WRITES | FUSE_ASYNC_DIO |
			   FUSE_PARALLEL_DIROPS | FUSE_ABORT_ERROR |
			   FUSE_MAX_PAGES | FUSE_SETXATTR_EXT | FUSE_INIT_EXT |
			   FUSE_POSIX_LOCKS | FUSE_FLOCK_LOCKS |
			   FUSE_DO_READDIRPLUS | FUSE_READDIRPLUS_AUTO |
			   FUSE_HAS_IOCTL_DIR;
	struct wire w, r;

	want.flags = (uint32_t)granted;
	want.flags2 = (uint32_t)(granted >> 32);
	want.max_pages = (uint16_t)(MAX_WRITE / sysconf(_SC_PAGESIZE));
	init_in(&w, 45, ALL_FLAGS, ALL_FLAGS, sizeof(struct fuse_init_in));
	w_reply(&r, 0, uniq);
	w_add(&r, &want, sizeof(want));
	expect(s, &w, &r, "INIT 7.45 offering everything: exact init_out");
	is_int(fbr_session_state(s), FBR_SESSION_LIVE, "session is live");
	is_int(fbr_session_conn(s)->minor, 45, "negotiated minor 45");

	init_in(&w, 45, ALL_FLAGS, ALL_FLAGS, sizeof(struct fuse_init_in));
	expect_err(s, &w, -EIO, "second INIT on a live session: EIO");
	w_start(&w, FUSE_GETATTR, ++uniq, 1);
	w_add(&w, &(struct fuse_getattr_in){ 0 }, sizeof(struct fuse_getattr_in));
	w_end(&w);
	w_send(s, &w, &M);
	is_int(((struct fuse_out_header *)M.reply)->error, 0,
	       "and the session still serves");
	fbr_session_free(s);
}

static void test_init_versions(void)
{
	struct fbr_session *s = new_session(&fake_ops, 0);
	struct fuse_init_out o;
	struct wire w, r;

	o = do_init(s, 38, ALL_FLAGS, ALL_FLAGS, sizeof(struct fuse_init_in));
	is_int(o.minor, 38, "6.1 kernel (7.38): minor 38");
	ok(o.flags2 == 0 && (o.flags & FUSE_INIT_EXT),
	   "7.38: INIT_EXT agreed, no flags2 bit asked for");
	fbr_session_free(s);

	s = new_session(&fake_ops, 0);
	o = do_init(s, 31, ALL_FLAGS, 0, FUSE_COMPAT_INIT_IN_SIZE);
	is_int(o.minor, 31, "16-byte init_in of 7.31 accepted, minor 31");
	ok(!(o.flags & FUSE_INIT_EXT) && o.flags2 == 0,
	   "7.31: no INIT_EXT, no flags2");
	is_int(fbr_session_state(s), FBR_SESSION_LIVE, "7.31 session live");
	fbr_session_free(s);

	s = new_session(&fake_ops, 0);
	o = do_init(s, 50, ALL_FLAGS, ALL_FLAGS, sizeof(struct fuse_init_in));
	is_int(o.minor, 45, "a newer kernel (7.50) is answered with 7.45");
	fbr_session_free(s);

	s = new_session(&fake_ops, 0);
	init_in(&w, 26, ALL_FLAGS, 0, FUSE_COMPAT_INIT_IN_SIZE);
	expect_err(s, &w, -EPROTO, "7.26 is older than we speak: EPROTO");
	is_int(fbr_session_state(s), FBR_SESSION_NEW, "and no session");

	struct fuse_init_in in8 = { .major = 8, .minor = 0 };
	struct fuse_init_out want = { .major = 7, .minor = 45 };
	w_start(&w, FUSE_INIT, ++uniq, 0);
	w_add(&w, &in8, sizeof(in8));
	w_reply(&r, 0, uniq);
	w_add(&r, &want, sizeof(want));
	expect(s, &w, &r, "major 8: answered with our major only");
	is_int(fbr_session_state(s), FBR_SESSION_NEW, "and still waiting");

	init_in(&w, 45, 0, 0, 12);
	expect_err(s, &w, -EINVAL, "INIT shorter than 16 bytes: EINVAL");
	fbr_session_free(s);
}


/* A driver that asks for passthrough whenever it may. */
static int passthrough_init(void *fs, struct fbr_conn *c)
{
	(void)fs;
	if (c->capable & FUSE_PASSTHROUGH) {
		c->want |= FUSE_PASSTHROUGH;
		c->max_stack_depth = 1;
	}
	return 0;
}
static void test_init_offers(void)
{
	struct fbr_driver_ops ops = fake_ops;
	struct fbr_session *s;
	struct fuse_init_out o;
	uint64_t f;

	ops.readdirplus = NULL;
	ops.getlk = NULL;
	ops.ioctl = NULL;
	s = new_session(&ops, 0);
	o = do_init(s, 45, ALL_FLAGS, ALL_FLAGS, sizeof(struct fuse_init_in));
	f = o.flags | (uint64_t)o.flags2 << 32;
	ok(!(f & (FUSE_DO_READDIRPLUS | FUSE_READDIRPLUS_AUTO)),
	   "no readdirplus op: READDIRPLUS not offered");
	ok(!(f & FUSE_POSIX_LOCKS) && (f & FUSE_FLOCK_LOCKS),
	   "no getlk: POSIX_LOCKS not offered, FLOCK_LOCKS still");
	ok(!(f & FUSE_HAS_IOCTL_DIR), "no ioctl op: IOCTL_DIR not offered");
	ok(!(f & (FUSE_PASSTHROUGH | FUSE_OVER_IO_URING | FUSE_SPLICE_READ |
		  FUSE_SPLICE_WRITE | FUSE_MAP_ALIGNMENT | FUSE_HAS_INODE_DAX)),
	   "nothing the core cannot do is offered");
	ok(!(f & (FUSE_WRITEBACK_CACHE | FUSE_ATOMIC_O_TRUNC |
		  FUSE_EXPORT_SUPPORT | FUSE_DONT_MASK)),
	   "driver-only features not offered unless the driver asks");
	fbr_session_free(s);

	s = new_session(&fake_ops, 0);
	o = do_init(s, 45, FUSE_ASYNC_READ, 0, sizeof(struct fuse_init_in));
	is_int(o.flags, FUSE_ASYNC_READ, "only what the kernel offered");
	fbr_session_free(s);

	s = new_session(&fake_ops, FUSE_PASSTHROUGH);
	o = do_init(s, 45, ALL_FLAGS, ALL_FLAGS, sizeof(struct fuse_init_in));
	ok(!(o.flags2 & (FUSE_PASSTHROUGH >> 32)),
	   "PASSTHROUGH from the transport: not unless the driver asks");
	fbr_session_free(s);

	ops = fake_ops;
	ops.init = passthrough_init;
	s = new_session(&ops, FUSE_PASSTHROUGH);
	o = do_init(s, 45, ALL_FLAGS, ALL_FLAGS, sizeof(struct fuse_init_in));
	ok((o.flags2 & (FUSE_PASSTHROUGH >> 32)) && o.max_stack_depth == 1,
	   "the driver asks: PASSTHROUGH agreed, max_stack_depth %u",
	   o.max_stack_depth);
	fbr_session_free(s);
	s = new_session(&ops, 0);
	o = do_init(s, 45, ALL_FLAGS, ALL_FLAGS, sizeof(struct fuse_init_in));
	ok(!(o.flags2 & (FUSE_PASSTHROUGH >> 32)) && !o.max_stack_depth,
	   "the driver asks, the transport cannot: not agreed");
	fbr_session_free(s);
}

/* One opcode: request parts, expected reply parts, and what the driver saw. */
static void test_entry_ops(struct fbr_session *s)
{
	struct fuse_entry_out e;
	struct wire w, r;

	w_start(&w, FUSE_LOOKUP, ++uniq, 1);
	w_str(&w, "hello");
	fake_entry(105, &e);
	w_reply(&r, 0, uniq);
	w_add(&r, &e, sizeof(e));
	expect(s, &w, &r, "LOOKUP: entry_out");
	ok(!strcmp(fake_last.name[0], "hello") && fake_last.ino == 1,
	   "LOOKUP: driver got parent 1, name hello");
	ok(fake_last.ctx.uid == 1000 && fake_last.ctx.gid == 100 &&
	   fake_last.ctx.pid == 4242, "LOOKUP: caller's uid, gid, pid");

	w_start(&w, FUSE_LOOKUP, ++uniq, 1);
	w_str(&w, "missing");
	expect_err(s, &w, -ENOENT, "LOOKUP: driver's ENOENT");

	struct fuse_mknod_in mk = { .mode = 010644, .umask = 022 };
	w_start(&w, FUSE_MKNOD, ++uniq, 1);
	w_add(&w, &mk, sizeof(mk));
	w_str(&w, "fifo");
	fake_entry(201, &e);
	e.attr.mode = 010644;
	w_reply(&r, 0, uniq);
	w_add(&r, &e, sizeof(e));
	expect(s, &w, &r, "MKNOD: entry_out");
	is_int(fake_last.ctx.umask, 022, "MKNOD: umask passed in ctx");

	struct fuse_mkdir_in md = { .mode = 0755, .umask = 077 };
	w_start(&w, FUSE_MKDIR, ++uniq, 1);
	w_add(&w, &md, sizeof(md));
	w_str(&w, "dir");
	fake_entry(202, &e);
	e.attr.mode = 040755;
	w_reply(&r, 0, uniq);
	w_add(&r, &e, sizeof(e));
	expect(s, &w, &r, "MKDIR: entry_out");
	is_int(fake_last.ctx.umask, 077, "MKDIR: umask passed in ctx");

	w_start(&w, FUSE_SYMLINK, ++uniq, 1);
	w_str(&w, "link");
	w_str(&w, "../target");
	fake_entry(200, &e);
	e.attr.mode = 0120777;
	w_reply(&r, 0, uniq);
	w_add(&r, &e, sizeof(e));
	expect(s, &w, &r, "SYMLINK: entry_out");
	ok(!strcmp(fake_last.name[0], "link") &&
	   !strcmp(fake_last.name[1], "../target"),
	   "SYMLINK: name, then target");

	struct fuse_link_in li = { .oldnodeid = 55 };
	w_start(&w, FUSE_LINK, ++uniq, 3);
	w_add(&w, &li, sizeof(li));
	w_str(&w, "hard");
	fake_entry(55, &e);
	e.attr.nlink = 2;
	w_reply(&r, 0, uniq);
	w_add(&r, &e, sizeof(e));
	expect(s, &w, &r, "LINK: entry_out");
	ok(fake_last.ino == 55 && fake_last.value == 3,
	   "LINK: old nodeid from args, new parent from header");

	w_start(&w, FUSE_UNLINK, ++uniq, 1);
	w_str(&w, "gone");
	expect_err(s, &w, 0, "UNLINK: bare success");
	w_start(&w, FUSE_RMDIR, ++uniq, 1);
	w_str(&w, "gonedir");
	expect_err(s, &w, 0, "RMDIR: bare success");
	ok(!strcmp(fake_last.op, "rmdir"), "RMDIR reached rmdir");

	struct fuse_rename_in rn = { .newdir = 9 };
	w_start(&w, FUSE_RENAME, ++uniq, 1);
	w_add(&w, &rn, sizeof(rn));
	w_str(&w, "old");
	w_str(&w, "new");
	expect_err(s, &w, 0, "RENAME: bare success");
	ok(fake_last.value == 9 && fake_last.flags == 0 &&
	   !strcmp(fake_last.name[1], "new"), "RENAME: newdir 9, flags 0");

	struct fuse_rename2_in rn2 = { .newdir = 8, .flags = 2 };
	w_start(&w, FUSE_RENAME2, ++uniq, 1);
	w_add(&w, &rn2, sizeof(rn2));
	w_str(&w, "a");
	w_str(&w, "b");
	expect_err(s, &w, 0, "RENAME2: bare success");
	ok(fake_last.value == 8 && fake_last.flags == 2, "RENAME2: flags passed");

	struct fuse_forget_in fi = { .nlookup = 3 };
	unsigned before = fake_last.forgets;
	w_start(&w, FUSE_FORGET, ++uniq, 105);
	w_add(&w, &fi, sizeof(fi));
	expect_none(s, &w, "FORGET: no reply");
	is_int(fake_last.forgets - before, 1, "FORGET reached the driver");

	struct fuse_batch_forget_in bf = { .count = 3 };
	struct fuse_forget_one one = { .nodeid = 7, .nlookup = 2 };
	uint64_t sum = fake_last.forgotten;
	w_start(&w, FUSE_BATCH_FORGET, ++uniq, 0);
	w_add(&w, &bf, sizeof(bf));
	for (int i = 0; i < 3; i++)
		w_add(&w, &one, sizeof(one));
	expect_none(s, &w, "BATCH_FORGET: no reply");
	is_int(fake_last.forgotten - sum, 6, "BATCH_FORGET: three items of 2");
}

static void test_attr_ops(struct fbr_session *s)
{
	struct fuse_attr_out ao = { .attr_valid = 1 };
	struct wire w, r;

	w_start(&w, FUSE_GETATTR, ++uniq, 42);
	w_add(&w, &(struct fuse_getattr_in){ 0 }, sizeof(struct fuse_getattr_in));
	fake_attr(42, &ao.attr);
	w_reply(&r, 0, uniq);
	w_add(&r, &ao, sizeof(ao));
	expect(s, &w, &r, "GETATTR: attr_out");

	struct fuse_setattr_in sa = { .valid = FATTR_SIZE, .size = 1234 };
	w_start(&w, FUSE_SETATTR, ++uniq, 42);
	w_add(&w, &sa, sizeof(sa));
	ao.attr.size = 1234;
	w_reply(&r, 0, uniq);
	w_add(&r, &ao, sizeof(ao));
	expect(s, &w, &r, "SETATTR: attr_out with the new size");

	struct fuse_statx_in sxi = { .sx_mask = 0x7ff };
	struct fuse_statx_out sxo = { .attr_valid = 1 };
	sxo.stat.mask = 0x7ff;
	sxo.stat.ino = 42;
	sxo.stat.size = 42;
	sxo.stat.mode = 0100644;
	w_start(&w, FUSE_STATX, ++uniq, 42);
	w_add(&w, &sxi, sizeof(sxi));
	w_reply(&r, 0, uniq);
	w_add(&r, &sxo, sizeof(sxo));
	expect(s, &w, &r, "STATX: statx_out");

	w_start(&w, FUSE_READLINK, ++uniq, 42);
	w_reply(&r, 0, uniq);
	w_add(&r, "target", 6);
	expect(s, &w, &r, "READLINK: the target, no NUL");

	struct fuse_access_in ac = { .mask = 4 };
	w_start(&w, FUSE_ACCESS, ++uniq, 42);
	w_add(&w, &ac, sizeof(ac));
	expect_err(s, &w, 0, "ACCESS: bare success");
	is_int(fake_last.flags, 4, "ACCESS: mask passed");

	struct fuse_statfs_out so = { .st = { .blocks = 1000, .bsize = 4096,
					      .namelen = 255 } };
	w_start(&w, FUSE_STATFS, ++uniq, 1);
	w_reply(&r, 0, uniq);
	w_add(&r, &so, sizeof(so));
	expect(s, &w, &r, "STATFS: statfs_out");

	struct fuse_setxattr_in sx = { .size = 3, .flags = 1, .setxattr_flags = 1 };
	w_start(&w, FUSE_SETXATTR, ++uniq, 42);
	w_add(&w, &sx, sizeof(sx));
	w_str(&w, "user.x");
	w_add(&w, "abc", 3);
	expect_err(s, &w, 0, "SETXATTR (EXT form, 16 bytes): success");
	ok(!strcmp(fake_last.name[0], "user.x") &&
	   !strcmp(fake_last.name[1], "abc") && fake_last.flags == 1,
	   "SETXATTR: name, value and setxattr_flags passed");

	struct fuse_getxattr_in gx = { .size = 0 };
	struct fuse_getxattr_out gxo = { .size = 5 };
	w_start(&w, FUSE_GETXATTR, ++uniq, 42);
	w_add(&w, &gx, sizeof(gx));
	w_str(&w, "user.x");
	w_reply(&r, 0, uniq);
	w_add(&r, &gxo, sizeof(gxo));
	expect(s, &w, &r, "GETXATTR size 0: the value's length");
	gx.size = 100;
	w_start(&w, FUSE_GETXATTR, ++uniq, 42);
	w_add(&w, &gx, sizeof(gx));
	w_str(&w, "user.x");
	w_reply(&r, 0, uniq);
	w_add(&r, "value", 5);
	expect(s, &w, &r, "GETXATTR: the value");
	gx.size = 2;
	w_start(&w, FUSE_GETXATTR, ++uniq, 42);
	w_add(&w, &gx, sizeof(gx));
	w_str(&w, "user.x");
	expect_err(s, &w, -ERANGE, "GETXATTR too small: ERANGE");

	gx.size = 64;
	w_start(&w, FUSE_LISTXATTR, ++uniq, 42);
	w_add(&w, &gx, sizeof(gx));
	w_reply(&r, 0, uniq);
	w_add(&r, "user.a\0", 8);
	expect(s, &w, &r, "LISTXATTR: the list");

	w_start(&w, FUSE_REMOVEXATTR, ++uniq, 42);
	w_str(&w, "user.x");
	expect_err(s, &w, 0, "REMOVEXATTR: success");

	struct fuse_lk_in lk = { .fh = 1, .owner = 5,
				 .lk = { .start = 0, .end = 99, .type = 1 } };
	struct fuse_lk_out lo = { .lk = lk.lk };
	lo.lk.type = 2;
	w_start(&w, FUSE_GETLK, ++uniq, 42);
	w_add(&w, &lk, sizeof(lk));
	w_reply(&r, 0, uniq);
	w_add(&r, &lo, sizeof(lo));
	expect(s, &w, &r, "GETLK: lk_out");
	w_start(&w, FUSE_SETLK, ++uniq, 42);
	w_add(&w, &lk, sizeof(lk));
	expect_err(s, &w, 0, "SETLK: success");
	is_int(fake_last.flags, 0, "SETLK: no sleep");
	w_start(&w, FUSE_SETLKW, ++uniq, 42);
	w_add(&w, &lk, sizeof(lk));
	expect_err(s, &w, 0, "SETLKW: success");
	is_int(fake_last.flags, 1, "SETLKW: sleep");

	w_start(&w, FUSE_SYNCFS, ++uniq, 1);
	w_add(&w, &(struct fuse_syncfs_in){ 0 }, sizeof(struct fuse_syncfs_in));
	expect_err(s, &w, 0, "SYNCFS: success");
}

static void test_file_ops(struct fbr_session *s)
{
	struct fuse_open_in oi = { .flags = O_RDWR };
	struct fuse_open_out oo = { .fh = 0x1234, .open_flags = FOPEN_KEEP_CACHE };
	struct fuse_entry_out e;
	struct wire w, r;

	w_start(&w, FUSE_OPEN, ++uniq, 42);
	w_add(&w, &oi, sizeof(oi));
	w_reply(&r, 0, uniq);
	w_add(&r, &oo, sizeof(oo));
	expect(s, &w, &r, "OPEN: open_out");
	is_int(fake_last.flags, O_RDWR, "OPEN: flags passed");

	struct fuse_create_in ci = { .flags = O_CREAT | O_WRONLY, .mode = 0644,
				     .umask = 022 };
	struct fuse_open_out co = { .fh = 0x5678 };
	w_start(&w, FUSE_CREATE, ++uniq, 1);
	w_add(&w, &ci, sizeof(ci));
	w_str(&w, "new");
	fake_entry(203, &e);
	w_reply(&r, 0, uniq);
	w_add(&r, &e, sizeof(e));
	w_add(&r, &co, sizeof(co));
	expect(s, &w, &r, "CREATE: entry_out then open_out");
	is_int(fake_last.ctx.umask, 022, "CREATE: umask in ctx");

	struct fuse_open_out to = { .fh = 0x9abc };
	w_start(&w, FUSE_TMPFILE, ++uniq, 1);
	w_add(&w, &ci, sizeof(ci));
	w_str(&w, "tmp");
	fake_entry(204, &e);
	w_reply(&r, 0, uniq);
	w_add(&r, &e, sizeof(e));
	w_add(&r, &to, sizeof(to));
	expect(s, &w, &r, "TMPFILE: entry_out then open_out");

	struct fuse_read_in ri = { .fh = 0x1234, .offset = 7, .size = 4 };
	w_start(&w, FUSE_READ, ++uniq, 42);
	w_add(&w, &ri, sizeof(ri));
	w_reply(&r, 0, uniq);
	w_add(&r, "0123", 4);
	expect(s, &w, &r, "READ: data placed after the header");
	is_int(fake_last.value, 7, "READ: offset passed");

	struct fuse_write_in wi = { .fh = 0x1234, .size = 5 };
	struct fuse_write_out wo = { .size = 5 };
	w_start(&w, FUSE_WRITE, ++uniq, 42);
	w_add(&w, &wi, sizeof(wi));
	w_add(&w, "hello", 5);
	w_reply(&r, 0, uniq);
	w_add(&r, &wo, sizeof(wo));
	expect(s, &w, &r, "WRITE: write_out");
	ok(!strcmp(fake_last.name[0], "hello"), "WRITE: data passed");

	struct fuse_flush_in fl = { .fh = 0x1234 };
	w_start(&w, FUSE_FLUSH, ++uniq, 42);
	w_add(&w, &fl, sizeof(fl));
	expect_err(s, &w, 0, "FLUSH: success");
	struct fuse_fsync_in fs = { .fh = 0x1234 };
	w_start(&w, FUSE_FSYNC, ++uniq, 42);
	w_add(&w, &fs, sizeof(fs));
	expect_err(s, &w, 0, "FSYNC: success");
	struct fuse_fallocate_in fa = { .fh = 0x1234, .length = 10 };
	w_start(&w, FUSE_FALLOCATE, ++uniq, 42);
	w_add(&w, &fa, sizeof(fa));
	expect_err(s, &w, 0, "FALLOCATE: success");

	struct fuse_lseek_in ls = { .fh = 0x1234, .offset = 10, .whence = 3 };
	struct fuse_lseek_out lo = { .offset = 4106 };
	w_start(&w, FUSE_LSEEK, ++uniq, 42);
	w_add(&w, &ls, sizeof(ls));
	w_reply(&r, 0, uniq);
	w_add(&r, &lo, sizeof(lo));
	expect(s, &w, &r, "LSEEK: lseek_out");

	struct fuse_copy_file_range_in cf = { .len = 0x100000000ULL + 5 };
	struct fuse_write_out cw = { .size = UINT32_MAX };
	struct fuse_copy_file_range_out c64 = { .bytes_copied = cf.len };
	w_start(&w, FUSE_COPY_FILE_RANGE, ++uniq, 42);
	w_add(&w, &cf, sizeof(cf));
	w_reply(&r, 0, uniq);
	w_add(&r, &cw, sizeof(cw));
	expect(s, &w, &r, "COPY_FILE_RANGE: 32-bit count, clamped");
	w_start(&w, FUSE_COPY_FILE_RANGE_64, ++uniq, 42);
	w_add(&w, &cf, sizeof(cf));
	w_reply(&r, 0, uniq);
	w_add(&r, &c64, sizeof(c64));
	expect(s, &w, &r, "COPY_FILE_RANGE_64: 64-bit count");

	struct fuse_ioctl_in io = { .fh = 0x1234, .cmd = 0x5401, .out_size = 8 };
	struct fuse_ioctl_out ioo = { .result = 5 };
	w_start(&w, FUSE_IOCTL, ++uniq, 42);
	w_add(&w, &io, sizeof(io));
	w_reply(&r, 0, uniq);
	w_add(&r, &ioo, sizeof(ioo));
	w_add(&r, "abcd", 4);
	expect(s, &w, &r, "IOCTL: ioctl_out then output");
	io.flags = FUSE_IOCTL_UNRESTRICTED;
	w_start(&w, FUSE_IOCTL, ++uniq, 42);
	w_add(&w, &io, sizeof(io));
	expect_err(s, &w, -ENOTTY, "IOCTL unrestricted: ENOTTY");

	struct fuse_release_in rl = { .fh = 0x1234 };
	w_start(&w, FUSE_RELEASE, ++uniq, 42);
	w_add(&w, &rl, sizeof(rl));
	expect_err(s, &w, 0, "RELEASE: success");
	is_int(fake_last.value, 0x1234, "RELEASE: fh passed");
}

static void dirent(struct wire *r, const char *name, uint64_t ino,
		   uint32_t type, uint64_t off)
{
	static const char zero[8];
	struct fuse_dirent d = { .ino = ino, .off = off,
				 .namelen = (uint32_t)strlen(name), .type = type };

	w_add(r, &d, sizeof(d));
	w_add(r, name, d.namelen);
	w_add(r, zero, FUSE_DIRENT_ALIGN(d.namelen) - d.namelen);
}

static void test_dir_ops(struct fbr_session *s)
{
	struct fuse_open_out oo = { .fh = 0x4321 };
	struct fuse_read_in ri = { .fh = 0x4321, .size = 4096 };
	struct fuse_entry_out e;
	struct wire w, r;

	w_start(&w, FUSE_OPENDIR, ++uniq, 1);
	w_add(&w, &(struct fuse_open_in){ 0 }, sizeof(struct fuse_open_in));
	w_reply(&r, 0, uniq);
	w_add(&r, &oo, sizeof(oo));
	expect(s, &w, &r, "OPENDIR: open_out");

	w_start(&w, FUSE_READDIR, ++uniq, 1);
	w_add(&w, &ri, sizeof(ri));
	w_reply(&r, 0, uniq);
	dirent(&r, ".", 10, 4, 1);
	dirent(&r, "..", 11, 4, 2);
	dirent(&r, "file", 12, 8, 3);
	expect(s, &w, &r, "READDIR: three padded dirents");

	ri.size = 60; /* room for two 32-byte records, not three */
	w_start(&w, FUSE_READDIR, ++uniq, 1);
	w_add(&w, &ri, sizeof(ri));
	w_reply(&r, 0, uniq);
	dirent(&r, ".", 10, 4, 1);
	expect(s, &w, &r, "READDIR into 60 bytes: only whole records");

	ri.size = 4096;
	ri.offset = 2;
	w_start(&w, FUSE_READDIR, ++uniq, 1);
	w_add(&w, &ri, sizeof(ri));
	w_reply(&r, 0, uniq);
	dirent(&r, "file", 12, 8, 3);
	expect(s, &w, &r, "READDIR from offset 2: the rest");

	ri.offset = 0;
	w_start(&w, FUSE_READDIRPLUS, ++uniq, 1);
	w_add(&w, &ri, sizeof(ri));
	fake_entry(300, &e);
	w_reply(&r, 0, uniq);
	w_add(&r, &e, sizeof(e));
	dirent(&r, "file", 300, 8, 1);
	expect(s, &w, &r, "READDIRPLUS: entry_out then dirent");

	struct fuse_fsync_in fs = { .fh = 0x4321 };
	w_start(&w, FUSE_FSYNCDIR, ++uniq, 1);
	w_add(&w, &fs, sizeof(fs));
	expect_err(s, &w, 0, "FSYNCDIR: success");
	struct fuse_release_in rl = { .fh = 0x4321 };
	w_start(&w, FUSE_RELEASEDIR, ++uniq, 1);
	w_add(&w, &rl, sizeof(rl));
	expect_err(s, &w, 0, "RELEASEDIR: success");
	ok(!strcmp(fake_last.op, "releasedir") && fake_last.value == 0x4321,
	   "RELEASEDIR reached releasedir with the fh");
}

/* Opcodes the dispatcher itself answers, and opcodes outside the table. */
static void test_enosys(struct fbr_session *s)
{
	static const uint32_t unknown[] = { 7, 19, 54, 4096, 0, 0xffffffff };
	struct wire w;

	w_start(&w, FUSE_BMAP, ++uniq, 42);
	w_add(&w, &(struct fuse_bmap_in){ 0 }, sizeof(struct fuse_bmap_in));
	expect_err(s, &w, -ENOSYS, "BMAP: ENOSYS");
	w_start(&w, FUSE_POLL, ++uniq, 42);
	w_add(&w, &(struct fuse_poll_in){ 0 }, sizeof(struct fuse_poll_in));
	expect_err(s, &w, -ENOSYS, "POLL: ENOSYS");
	w_start(&w, FUSE_SETUPMAPPING, ++uniq, 42);
	w_add(&w, &(struct fuse_setupmapping_in){ 0 },
	      sizeof(struct fuse_setupmapping_in));
	expect_err(s, &w, -ENOSYS, "SETUPMAPPING: ENOSYS");
	w_start(&w, FUSE_REMOVEMAPPING, ++uniq, 42);
	w_add(&w, &(struct fuse_removemapping_in){ 0 },
	      sizeof(struct fuse_removemapping_in));
	expect_err(s, &w, -ENOSYS, "REMOVEMAPPING: ENOSYS");
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		w_start(&w, unknown[i], ++uniq, 1);
		expect_err(s, &w, -ENOSYS, "unknown opcode: ENOSYS");
	}
	struct fuse_notify_retrieve_in nr = { .size = 3 };
	w_start(&w, FUSE_NOTIFY_REPLY, ++uniq, 42);
	w_add(&w, &nr, sizeof(nr));
	w_add(&w, "xyz", 3);
	expect_none(s, &w, "NOTIFY_REPLY: no reply");
}

/* A driver without operations answers ENOSYS for each, and only for it. */
static void test_empty_driver(void)
{
	struct fbr_session *s = new_session(&empty_ops, 0);
	unsigned enosys = 0, total = 0;
	struct wire w;

	do_init(s, 45, ALL_FLAGS, ALL_FLAGS, sizeof(struct fuse_init_in));
	is_int(fbr_session_state(s), FBR_SESSION_LIVE,
	       "a driver with no init() still gets a session");
	for (uint32_t op = 1; op <= FUSE_OPCODE_MAX; op++) {
		const struct fbr_opdesc *d = fbr_opdesc(op);
		int32_t err;

		if (!d || (d->flags & FBR_OP_NOREPLY) || op == FUSE_INIT ||
		    op == FUSE_DESTROY || op == FUSE_IOCTL || d->nnames ||
		    d->tail != FBR_TAIL_NONE)
			continue;
		w_start(&w, op, ++uniq, 1);
		w_add(&w, (char[128]){ 0 }, d->insize);
		w_end(&w);
		w_send(s, &w, &M);
		memcpy(&err, M.reply + 4, sizeof(err));
		total++;
		enosys += M.reply_len == 16 && err == -ENOSYS;
	}
	is_int(enosys, total, "every fixed-size opcode: ENOSYS from an empty driver");
	struct fuse_ioctl_in io = { 0 };
	w_start(&w, FUSE_IOCTL, ++uniq, 1);
	w_add(&w, &io, sizeof(io));
	expect_err(s, &w, -ENOTTY, "IOCTL with no ioctl op: ENOTTY");
	w_start(&w, FUSE_LOOKUP, ++uniq, 1);
	w_str(&w, "x");
	expect_err(s, &w, -ENOSYS, "LOOKUP with no lookup op: ENOSYS");
	fbr_session_free(s);
}

struct bad {
	const char *what;
	uint32_t opcode;
	const void *arg;
	size_t len;
	int32_t hdrlen_delta; /* make the header lie about the length */
};

static void test_malformed(struct fbr_session *s)
{
	struct fuse_write_in wi = { .size = 10 };
	struct fuse_batch_forget_in bf = { .count = 1000 };
	char wbuf[sizeof(wi) + 4];
	char unterminated[] = { 'a', 'b', 'c' };
	char twonames_one[] = "old";
	char overlong[sizeof(struct fuse_getattr_in) + 8] = { 0 };
	char emptyname[] = "";
	char setx[8 + 7 + 2] = { 0 };
	struct fuse_setxattr_in sx = { .size = 5 };
	const struct bad cases[] = {
		{ "GETATTR with a short argument", FUSE_GETATTR, overlong, 8, 0 },
		{ "GETATTR with trailing bytes", FUSE_GETATTR, overlong,
		  sizeof(overlong), 0 },
		{ "LOOKUP with an unterminated name", FUSE_LOOKUP, unterminated,
		  sizeof(unterminated), 0 },
		{ "LOOKUP with an empty name", FUSE_LOOKUP, emptyname, 1, 0 },
		{ "LOOKUP with no name", FUSE_LOOKUP, NULL, 0, 0 },
		{ "RENAME with one name of two", FUSE_RENAME, twonames_one,
		  sizeof(twonames_one), 0 },
		{ "WRITE whose size overruns the data", FUSE_WRITE, wbuf,
		  sizeof(wbuf), 0 },
		{ "SETXATTR whose value is short", FUSE_SETXATTR, setx,
		  sizeof(setx), 0 },
		{ "header len larger than the request", FUSE_STATFS, NULL, 0, 8 },
		{ "header len smaller than the request", FUSE_GETATTR, overlong,
		  sizeof(struct fuse_getattr_in), -4 },
	};
	struct wire w;

	memcpy(wbuf, &wi, sizeof(wi));
	memcpy(setx, &sx, 8);
	memcpy(setx + 16 - 8, "user.a", 7);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bad *c = &cases[i];
		struct fuse_in_header h;

		w_start(&w, c->opcode, ++uniq, 42);
		w_add(&w, c->arg, c->len);
		w_end(&w);
		memcpy(&h, w.b, sizeof(h));
		h.len += (uint32_t)c->hdrlen_delta;
		memcpy(w.b, &h, sizeof(h));
		struct wire want;
		w_reply(&want, -EINVAL, uniq);
		w_end(&want);
		w_send(s, &w, &M);
		is_bytes(M.reply, M.reply_len, want.b, want.len, "%s: EINVAL",
			 c->what);
	}

	/* A reply is still owed after any of them, and given. */
	w_start(&w, FUSE_GETATTR, ++uniq, 42);
	w_add(&w, &(struct fuse_getattr_in){ 0 }, sizeof(struct fuse_getattr_in));
	w_end(&w);
	w_send(s, &w, &M);
	ok(M.reply_len == 16 + sizeof(struct fuse_attr_out),
	   "a well-formed request after them is answered");

	unsigned before = fake_last.forgets;
	w_start(&w, FUSE_BATCH_FORGET, ++uniq, 0);
	w_add(&w, &bf, sizeof(bf));
	expect_none(s, &w, "BATCH_FORGET whose count overruns: dropped silently");
	is_int(fake_last.forgets, before, "and nothing was forgotten");
	w_start(&w, FUSE_FORGET, ++uniq, 5);
	expect_none(s, &w, "FORGET without argument: dropped silently");

	char tiny[20] = { 0 };
	fbr_memsink_clear(&M);
	fbr_memory_dispatch(s, tiny, sizeof(tiny), &M);
	is_int(M.reply_len, 0, "20 bytes, shorter than a header: no reply");

	/* Extensions only on requests that create; one group is passed on. */
	/* ext header (size 24, type), nr_groups 1, the group, padding */
	const uint32_t ext[6] = { 24, FUSE_EXT_GROUPS, 1, 555, 0, 0 };
	struct fuse_create_in ci = { .flags = O_CREAT | O_WRONLY, .mode = 0644 };
	struct fuse_in_header h;

	w_start(&w, FUSE_CREATE, ++uniq, 1);
	w_add(&w, &ci, sizeof(ci));
	w_str(&w, "withgroup");
	w_add(&w, &ext, sizeof(ext));
	w_end(&w);
	memcpy(&h, w.b, sizeof(h));
	h.total_extlen = sizeof(ext) / 8;
	memcpy(w.b, &h, sizeof(h));
	fake_errno = 0;
	w_send(s, &w, &M);
	ok(fake_last.ctx.nsupp == 1 && fake_last.ctx.supp_gid == 555 &&
	   !strcmp(fake_last.name[0], "withgroup"),
	   "CREATE with a supplementary-group extension: gid 555 passed");

	w_start(&w, FUSE_STATFS, ++uniq, 1);
	w_add(&w, &ext, sizeof(ext));
	w_end(&w);
	memcpy(&h, w.b, sizeof(h));
	h.total_extlen = sizeof(ext) / 8;
	memcpy(w.b, &h, sizeof(h));
	struct wire want;
	w_reply(&want, -EINVAL, uniq);
	expect(s, &w, &want, "extensions on STATFS: EINVAL");
}

static void test_compat_setxattr(void)
{
	struct fbr_session *s = new_session(&fake_ops, 0);
	struct fuse_setxattr_in sx = { .size = 2, .flags = 0 };
	struct wire w;

	do_init(s, 32, ALL_FLAGS & ~(uint32_t)FUSE_SETXATTR_EXT, 0,
		FUSE_COMPAT_INIT_IN_SIZE);
	w_start(&w, FUSE_SETXATTR, ++uniq, 42);
	w_add(&w, &sx, FUSE_COMPAT_SETXATTR_IN_SIZE);
	w_str(&w, "user.y");
	w_add(&w, "hi", 2);
	expect_err(s, &w, 0, "SETXATTR without SETXATTR_EXT: 8-byte form");
	ok(!strcmp(fake_last.name[0], "user.y") && fake_last.value == 2,
	   "SETXATTR 8-byte form: name and size passed");
	fbr_session_free(s);
}

static void test_destroy(void)
{
	struct fbr_session *s = live_session();
	unsigned destroys = fake_last.destroys;
	struct fuse_init_out o;
	struct wire w;

	w_start(&w, FUSE_DESTROY, ++uniq, 0);
	expect_err(s, &w, 0, "DESTROY: success");
	is_int(fake_last.destroys - destroys, 1, "DESTROY reached the driver");
	is_int(fbr_session_state(s), FBR_SESSION_NEW, "session ended");
	w_start(&w, FUSE_STATFS, ++uniq, 1);
	expect_err(s, &w, -EIO, "after DESTROY requests are refused");
	o = do_init(s, 38, ALL_FLAGS, 0, sizeof(struct fuse_init_in));
	is_int(o.minor, 38, "a fresh INIT starts a new session");
	is_int(fbr_session_state(s), FBR_SESSION_LIVE, "live again");
	fbr_session_free(s);
	is_int(fake_last.destroys - destroys, 2,
	       "freeing a live session destroys the driver once more");
}

struct blocked {
	struct fbr_session *s;
	struct fbr_memsink m;
	uint64_t unique;
};

static void *setlkw_thread(void *arg)
{
	struct blocked *b = arg;
	struct fuse_lk_in lk = { .owner = 99, .lk = { .type = 1 } };
	struct wire w;

	w_start(&w, FUSE_SETLKW, b->unique, 42);
	w_add(&w, &lk, sizeof(lk));
	w_end(&w);
	w_send(b->s, &w, &b->m);
	return NULL;
}

static void test_interrupt(void)
{
	struct blocked b = { .s = live_session(), .unique = 1000 };
	struct fuse_interrupt_in ii = { .unique = 1000 };
	struct wire w, want;
	pthread_t t;

	fbr_memsink_init(&b.m, 4096);
	pthread_create(&t, NULL, setlkw_thread, &b);
	for (int i = 0; i < 2000 && !atomic_load(&fake_waiting); i++)
		usleep(1000); /* until the lock wait has begun */
	w_start(&w, FUSE_INTERRUPT, 1001, 0);
	w_add(&w, &ii, sizeof(ii));
	expect_none(b.s, &w, "INTERRUPT of a request in progress: no reply");
	pthread_join(t, NULL);
	w_reply(&want, -EINTR, 1000);
	w_end(&want);
	is_bytes(b.m.reply, b.m.reply_len, want.b, want.len,
		 "the interrupted SETLKW answers EINTR");

	ii.unique = 5000;
	w_start(&w, FUSE_INTERRUPT, 5001, 0);
	w_add(&w, &ii, sizeof(ii));
	expect_err(b.s, &w, -EAGAIN,
		   "INTERRUPT of a request not (yet) seen: EAGAIN");
	fbr_memsink_release(&b.m);
	fbr_session_free(b.s);
}

/* SETLKW of owner 77 is deferred: no reply until the driver gives one. */
static void test_deferred(void)
{
	struct fbr_session *s = live_session();
	struct fuse_lk_in lk = { .owner = 77, .lk = { .type = 1 } };
	struct fuse_interrupt_in ii = { .unique = 3000 };
	struct wire w, want;

	w_start(&w, FUSE_SETLKW, 3000, 42);
	w_add(&w, &lk, sizeof(lk));
	expect_none(s, &w, "deferred SETLKW: no reply yet");
	ok(fake_deferred != NULL, "the driver holds the deferred request");
	w_start(&w, FUSE_INTERRUPT, 3001, 0);
	w_add(&w, &ii, sizeof(ii));
	expect_none(s, &w, "INTERRUPT finds the deferred request: no reply");
	ok(fake_cancels == 1 && fbr_req_interrupted(fake_deferred),
	   "and marks it interrupted, calling its cancel callback");
	fbr_memsink_clear(&M);
	fbr_req_reply(fake_deferred, -EINTR);
	w_reply(&want, -EINTR, 3000);
	w_end(&want);
	is_bytes(M.reply, M.reply_len, want.b, want.len,
		 "the driver's later reply is sent: EINTR for unique 3000");
	ii.unique = 3000;
	w_start(&w, FUSE_INTERRUPT, 3003, 0);
	w_add(&w, &ii, sizeof(ii));
	expect_err(s, &w, -EAGAIN, "once answered it is out of the in-flight table");

	w_start(&w, FUSE_SETLKW, 3010, 42);
	w_add(&w, &lk, sizeof(lk));
	expect_none(s, &w, "a second deferred SETLKW");
	fbr_memsink_clear(&M);
	fbr_req_reply(fake_deferred, 0);
	w_reply(&want, 0, 3010);
	w_end(&want);
	is_bytes(M.reply, M.reply_len, want.b, want.len, "granted later: success");
	fbr_session_free(s);
}

/* fbr_iov_from_buf/to_buf: across uneven pieces, stopping where they end. */
static void test_iov(void)
{
	char a[3], b[1], c[5], back[16] = "";
	struct iovec v[] = { { a, sizeof(a) }, { b, 0 }, { b, sizeof(b) },
			     { c, sizeof(c) } };

	is_int((long long)fbr_iov_from_buf(v, 4, "abcdefghijkl", 12), 9,
	       "iov_from_buf: stops where the iovecs end");
	is_bytes(a, 3, "abc", 3, "iov_from_buf: first piece");
	is_bytes(b, 1, "d", 1, "iov_from_buf: after an empty piece");
	is_bytes(c, 5, "efghi", 5, "iov_from_buf: last piece");
	is_int((long long)fbr_iov_from_buf(v, 4, "xy", 2), 2,
	       "iov_from_buf: stops where the buffer ends");
	is_bytes(a, 3, "xyc", 3, "iov_from_buf: nothing beyond len");
	is_int((long long)fbr_iov_to_buf(back, v, 4, 6), 6,
	       "iov_to_buf: len bytes");
	is_bytes(back, 7, "xycdef", 7, "iov_to_buf: gathered in order");
	is_int((long long)fbr_iov_to_buf(back, v, 4, 100), 9,
	       "iov_to_buf: stops where the iovecs end");
	is_int((long long)fbr_iov_to_buf(back, v, 0, 4), 0,
	       "iov_to_buf: no iovecs, nothing copied");
}

int main(void)
{
	struct fbr_session *s;

	fbr_memsink_init(&M, MAX_WRITE);
	test_before_init();
	test_init_745();
	test_init_versions();
	test_init_offers();
	s = live_session();
	test_entry_ops(s);
	test_attr_ops(s);
	test_file_ops(s);
	test_dir_ops(s);
	test_enosys(s);
	test_malformed(s);
	fbr_session_free(s);
	test_empty_driver();
	test_compat_setxattr();
	test_destroy();
	test_interrupt();
	test_deferred();
	test_iov();
	fbr_memsink_release(&M);
	return done_testing();
}
