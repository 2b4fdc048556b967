/*
 * FUSE passthrough in the passthrough driver, against a fake transport
 * that hands out backing ids and counts them: INIT agrees to it only when
 * the kernel offers it and nothing excludes it (writeback, cache=never);
 * opens of one inode share one id, which the last RELEASE closes, and
 * carry no flag the kernel refuses beside FOPEN_PASSTHROUGH; what is
 * registered is the first open's own fd; CREATE registers too, set-id
 * files and read-only mounts are handled; a refused registration falls
 * back.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fbr/passthrough.h"
#include "transports/memory.h"
#include "ptcall.h"
#include "tap.h"

#define PAYLOAD (1U << 20)
#define MAXIDS 16

static struct fbr_driver drv;
static struct fbr_session *sess;
static struct fbr_memsink sink;
static char scratch[] = "/tmp/fbr-ptbk-XXXXXX";
static int sfd = -1;

/* The fake transport: ids 1, 2, ... and each one's file's open mode. */
static int next_id, live, refuse;
static int modes[MAXIDS];

static int fake_open(void *ctx, int fd)
{
	(void)ctx;
	if (refuse)
		return -refuse;
	if (next_id + 1 >= MAXIDS)
		return -ENOSPC;
	modes[++next_id] = fcntl(fd, F_GETFL) & O_ACCMODE;
	live++;
	return next_id;
}

static void fake_close(void *ctx, int id)
{
	(void)ctx;
	(void)id;
	live--;
}

static const struct fbr_backing_ops fake = { fake_open, fake_close };

static struct reply call1(uint32_t opcode, uint64_t nodeid, const void *in,
			  size_t size)
{
	struct part p[] = { { in, size } };

	return pt_callv(sess, &sink, opcode, nodeid, p, 1);
}

/* Start a session offered flags; the INIT reply's flags, and *depth. */
static uint64_t start_depth(const struct fbr_pt_opts *o, uint64_t flags,
			    uint32_t *depth)
{
	struct fuse_init_in in = { .major = FUSE_KERNEL_VERSION, .minor = 45,
				   .flags = (uint32_t)(flags | FUSE_INIT_EXT),
				   .flags2 = (uint32_t)(flags >> 32) };
	struct fbr_session_opts so = { .max_write = PAYLOAD };
	struct fuse_init_out out;
	struct reply r;

	if (fbr_passthrough_new(o, &drv) || !(sess = fbr_session_new(&drv, &so))) {
		fprintf(stderr, "cannot start the driver\n");
		exit(99);
	}
	fbr_session_set_backing(sess, &fake, NULL);
	r = call1(FUSE_INIT, 0, &in, sizeof(in));
	if (r.error || r.len < sizeof(out)) {
		fprintf(stderr, "INIT failed\n");
		exit(99);
	}
	memcpy(&out, r.data, sizeof(out));
	next_id = live = refuse = 0;
	*depth = out.max_stack_depth;
	return out.flags | (uint64_t)out.flags2 << 32;
}

static uint64_t start(const struct fbr_pt_opts *o, uint64_t flags)
{
	uint32_t depth;

	return start_depth(o, flags, &depth);
}

static void stop(void)
{
	fbr_session_free(sess);
	fbr_passthrough_free(&drv);
}

static struct fbr_pt_opts opts(void)
{
	return (struct fbr_pt_opts){ .source = scratch,
				     .cache = FBR_PT_CACHE_AUTO,
				     .entry_timeout = -1, .attr_timeout = -1,
				     .passthrough = true };
}

static uint64_t lookup(const char *name)
{
	struct part p[] = { S(name) };
	struct reply r = pt_callv(sess, &sink, FUSE_LOOKUP, FUSE_ROOT_ID, p, 1);
	struct fuse_entry_out e;

	if (r.error || r.len != sizeof(e))
		return 0;
	memcpy(&e, r.data, sizeof(e));
	return e.nodeid;
}

static int open_(uint64_t nodeid, uint32_t flags, struct fuse_open_out *o)
{
	struct fuse_open_in in = { .flags = flags };
	struct reply r = call1(FUSE_OPEN, nodeid, &in, sizeof(in));

	if (r.error)
		return r.error;
	memcpy(o, r.data, sizeof(*o));
	return 0;
}

static void release(uint64_t nodeid, uint64_t fh)
{
	struct fuse_release_in in = { .fh = fh };

	call1(FUSE_RELEASE, nodeid, &in, sizeof(in));
}

static void host_file(const char *name, mode_t mode)
{
	int fd = openat(sfd, name, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || write(fd, "data", 4) != 4 || fchmod(fd, mode) || close(fd))
		exit(99);
}

static bool passthrough(const struct fuse_open_out *o)
{
	return (o->open_flags & FOPEN_PASSTHROUGH) && o->backing_id > 0;
}

static void test_init(void)
{
	struct fbr_pt_opts o = opts();
	uint32_t depth;
	uint64_t got = start_depth(&o, ~0ULL, &depth);

	ok(got & FUSE_PASSTHROUGH, "offered by kernel and transport: agreed");
	is_int(depth, 1, "max_stack_depth 1");
	stop();
	ok(!(start(&o, ~0ULL & ~FUSE_PASSTHROUGH) & FUSE_PASSTHROUGH),
	   "a kernel without it: not agreed");
	stop();
	o.writeback = true;
	got = start(&o, ~0ULL);
	ok((got & FUSE_WRITEBACK_CACHE) && !(got & FUSE_PASSTHROUGH),
	   "writeback wins over passthrough");
	stop();
	o = opts();
	o.cache = FBR_PT_CACHE_NEVER;
	ok(!(start(&o, ~0ULL) & FUSE_PASSTHROUGH), "cache=never: not agreed");
	stop();
	o = opts();
	o.passthrough = false;
	ok(!(start(&o, ~0ULL) & FUSE_PASSTHROUGH), "turned off: not agreed");
	stop();
}

static void test_sharing(void)
{
	struct fbr_pt_opts o = opts();
	struct fuse_open_out a, b, c;
	uint64_t f;

	start(&o, ~0ULL);
	host_file("f", 0644);
	f = lookup("f");
	is_int(open_(f, O_RDONLY, &a), 0, "open for reading");
	ok(passthrough(&a), "passthrough, backing id %d", a.backing_id);
	is_int(modes[a.backing_id], O_RDONLY,
	       "registered: the reader's own fd (the kernel opens its own)");
	is_int(open_(f, O_WRONLY, &b), 0, "open for writing");
	is_int(b.backing_id, a.backing_id, "the same backing id");
	is_int(live, 1, "one backing file registered");
	release(f, a.fh);
	is_int(live, 1, "the first RELEASE keeps it");
	release(f, b.fh);
	is_int(live, 0, "the last RELEASE closes it");
	is_int(open_(f, O_RDONLY, &c), 0, "opened again");
	ok(passthrough(&c) && c.backing_id != a.backing_id && live == 1,
	   "a new backing id");
	release(f, c.fh);
	stop();

	o.cache = FBR_PT_CACHE_ALWAYS;
	start(&o, ~0ULL);
	f = lookup("f");
	is_int(open_(f, O_RDONLY, &a), 0, "cache=always: open");
	ok(passthrough(&a) && !(a.open_flags & FOPEN_KEEP_CACHE),
	   "passthrough without KEEP_CACHE, which the kernel refuses with it");
	release(f, a.fh);
	stop();
}

/* CREATE name with mode (O_WRONLY): 0, *nodeid and *o, or the error. */
static int create(const char *name, uint32_t mode, uint64_t *nodeid,
		  struct fuse_open_out *o)
{
	struct fuse_create_in in = { .flags = O_WRONLY | O_TRUNC, .mode = mode };
	struct part p[] = { P(in), S(name) };
	struct reply r = pt_callv(sess, &sink, FUSE_CREATE, FUSE_ROOT_ID, p, 2);
	struct fuse_entry_out e;

	if (r.error)
		return r.error;
	memcpy(&e, r.data, sizeof(e));
	memcpy(o, r.data + sizeof(e), sizeof(*o));
	*nodeid = e.nodeid;
	return 0;
}

static void test_create(void)
{
	struct fbr_pt_opts o = opts();
	struct fuse_open_out a;
	uint64_t f;

	start(&o, ~0ULL);
	is_int(create("new", S_IFREG | 0644, &f, &a), 0, "CREATE");
	ok(passthrough(&a) && live == 1 && modes[a.backing_id] == O_WRONLY,
	   "passthrough from the new file's own fd");
	release(f, a.fh);
	is_int(live, 0, "its RELEASE closes it");
	is_int(create("suid", S_IFREG | 04755, &f, &a), 0,
	       "CREATE of a setuid file");
	ok(!passthrough(&a) && live == 0, "no passthrough for it");
	release(f, a.fh);
	stop();
}

static void test_exclusions(void)
{
	struct fbr_pt_opts o = opts();
	struct fuse_open_out a;
	uint64_t f;

	start(&o, ~0ULL);
	host_file("sgid", 02755);
	f = lookup("sgid");
	is_int(open_(f, O_WRONLY, &a), 0, "a setgid file opens");
	ok(!passthrough(&a) && live == 0,
	   "without passthrough: its writes must reach the server");
	release(f, a.fh);
	host_file("g", 0644);
	f = lookup("g");
	refuse = EPERM;
	is_int(open_(f, O_RDONLY, &a), 0, "a refused registration: the open works");
	ok(!passthrough(&a), "through the server");
	release(f, a.fh);
	stop();

	o.readonly = true;
	start(&o, ~0ULL);
	f = lookup("g");
	is_int(open_(f, O_RDONLY, &a), 0, "read-only: open");
	ok(passthrough(&a) && modes[a.backing_id] == O_RDONLY,
	   "backed by the open's own read-only file");
	release(f, a.fh);
	stop();
}

static int rm(const char *path, const struct stat *st, int type,
	      struct FTW *ftw)
{
	return remove(path);
}

int main(void)
{
	if (!mkdtemp(scratch) || (sfd = open(scratch, O_PATH | O_DIRECTORY)) < 0 ||
	    fbr_memsink_init(&sink, PAYLOAD))
		return 99;
	test_init();
	test_sharing();
	test_create();
	test_exclusions();
	fbr_memsink_release(&sink);
	close(sfd);
	nftw(scratch, rm, 16, FTW_DEPTH | FTW_PHYS);
	return done_testing();
}
