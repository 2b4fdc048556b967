/*
 * The passthrough driver, end to end: raw FUSE requests go through the
 * memory transport and the dispatcher to a driver serving a scratch
 * directory, and each test checks both the decoded reply and what the
 * scratch directory holds afterwards, against the host's own syscalls.
 */
#define _GNU_SOURCE 1
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "drivers/passthrough/passthrough.h"
#include "transports/memory.h"
#include "tap.h"

#define PAYLOAD (1U << 20)

static struct fbr_driver drv;
static struct fbr_session *sess;
static struct fbr_memsink sink;
static uint64_t next_unique = 1;
static char scratch[] = "/tmp/fbr-pt-XXXXXX";
static int sfd = -1; /* the scratch directory, for checking on the host */

struct reply {
	int error;         /* 0, a negative errno, or 1: no reply at all */
	const unsigned char *data;
	size_t len;
};

struct part {
	const void *p;
	size_t len;
};

/* Send one request made of its parts; the reply stays valid until the next. */
static struct reply callv(uint32_t opcode, uint64_t nodeid,
			  const struct part *parts, int nparts)
{
	static unsigned char buf[PAYLOAD + 4096];
	struct fuse_in_header h = { .opcode = opcode, .unique = next_unique++,
				    .nodeid = nodeid, .pid = (uint32_t)getpid() };
	struct fuse_out_header oh;
	struct reply r = { .error = 1 };
	size_t len = sizeof(h);

	for (int i = 0; i < nparts; i++) {
		memcpy(buf + len, parts[i].p, parts[i].len);
		len += parts[i].len;
	}
	h.len = (uint32_t)len;
	memcpy(buf, &h, sizeof(h));
	fbr_memsink_clear(&sink);
	fbr_memory_dispatch(sess, buf, len, &sink);
	if (!sink.nreplies)
		return r;
	memcpy(&oh, sink.reply, sizeof(oh));
	r.error = oh.error;
	r.data = sink.reply + sizeof(oh);
	r.len = oh.len - sizeof(oh);
	return r;
}

#define P(x) { &(x), sizeof(x) }
#define S(s) { (s), strlen(s) + 1 }

static struct reply call1(uint32_t opcode, uint64_t nodeid, const void *in,
			  size_t size)
{
	struct part p[] = { { in, size } };

	return callv(opcode, nodeid, p, 1);
}

/* The reply's payload as a struct of the expected size, or an error. */
static int take(struct reply r, void *out, size_t size)
{
	if (r.error)
		return r.error;
	if (r.len != size)
		return -1000 - (int)r.len;
	memcpy(out, r.data, size);
	return 0;
}

static void start(const struct fbr_pt_opts *o, uint64_t flags)
{
	struct fbr_session_opts so = { .max_write = PAYLOAD };
	struct fuse_init_in in = { .major = FUSE_KERNEL_VERSION, .minor = 45,
				   .max_readahead = 65536 };
	struct fuse_init_out out;
	int err;

	in.flags = (uint32_t)(flags | FUSE_INIT_EXT);
	in.flags2 = (uint32_t)(flags >> 32);
	err = fbr_passthrough_new(o, &drv);
	if (err) {
		fprintf(stderr, "fbr_passthrough_new: %s\n", strerror(-err));
		exit(99);
	}
	sess = fbr_session_new(&drv, &so);
	if (!sess || take(call1(FUSE_INIT, 0, &in, sizeof(in)), &out,
			  sizeof(out))) {
		fprintf(stderr, "INIT failed\n");
		exit(99);
	}
}

static void stop(void)
{
	fbr_session_free(sess);
	fbr_passthrough_free(&drv);
	sess = NULL;
}

static struct fbr_pt_opts default_opts(void)
{
	return (struct fbr_pt_opts){ .source = scratch,
				     .cache = FBR_PT_CACHE_AUTO,
				     .entry_timeout = -1, .attr_timeout = -1,
				     .xattr = true };
}

static struct fbr_pt_stats stats(void)
{
	struct fbr_pt_stats st;

	fbr_passthrough_stats(&drv, &st);
	return st;
}

/* Requests, one helper each: each returns 0 or the reply's errno. */

static int lookup(uint64_t parent, const char *name, struct fuse_entry_out *e)
{
	struct part p[] = { S(name) };

	return take(callv(FUSE_LOOKUP, parent, p, 1), e, sizeof(*e));
}

static void forget(uint64_t nodeid, uint64_t n)
{
	struct fuse_forget_in in = { .nlookup = n };

	call1(FUSE_FORGET, nodeid, &in, sizeof(in));
}

static int getattr(uint64_t nodeid, struct fuse_attr *a)
{
	struct fuse_getattr_in in = { 0 };
	struct fuse_attr_out out;
	int err = take(call1(FUSE_GETATTR, nodeid, &in, sizeof(in)), &out,
		       sizeof(out));

	if (!err)
		*a = out.attr;
	return err;
}

static int mkdir_(uint64_t parent, const char *name, uint32_t mode,
		  struct fuse_entry_out *e)
{
	struct fuse_mkdir_in in = { .mode = mode, .umask = 022 };
	struct part p[] = { P(in), S(name) };

	return take(callv(FUSE_MKDIR, parent, p, 2), e, sizeof(*e));
}

struct created {
	struct fuse_entry_out e;
	struct fuse_open_out o;
};

static int create_(uint64_t parent, const char *name, uint32_t flags,
		   uint32_t mode, struct created *c)
{
	struct fuse_create_in in = { .flags = flags, .mode = mode };
	struct part p[] = { P(in), S(name) };

	return take(callv(FUSE_CREATE, parent, p, 2), c, sizeof(*c));
}

static int open_(uint64_t nodeid, uint32_t flags, struct fuse_open_out *o)
{
	struct fuse_open_in in = { .flags = flags };

	return take(call1(FUSE_OPEN, nodeid, &in, sizeof(in)), o, sizeof(*o));
}

static int release(uint64_t nodeid, uint64_t fh, bool dir)
{
	struct fuse_release_in in = { .fh = fh };

	return call1(dir ? FUSE_RELEASEDIR : FUSE_RELEASE, nodeid, &in,
		     sizeof(in)).error;
}

/* Returns the bytes read, or a negative errno. */
static int read_(uint64_t nodeid, uint64_t fh, uint64_t off, uint32_t size,
		 void *buf)
{
	struct fuse_read_in in = { .fh = fh, .offset = off, .size = size };
	struct reply r = call1(FUSE_READ, nodeid, &in, sizeof(in));

	if (r.error)
		return r.error;
	memcpy(buf, r.data, r.len);
	return (int)r.len;
}

static int write_(uint64_t nodeid, uint64_t fh, uint64_t off, const void *buf,
		  uint32_t size)
{
	struct fuse_write_in in = { .fh = fh, .offset = off, .size = size };
	struct part p[] = { P(in), { buf, size } };
	struct fuse_write_out out;
	int err = take(callv(FUSE_WRITE, nodeid, p, 2), &out, sizeof(out));

	return err ? err : (int)out.size;
}

static int unlink_(uint64_t parent, const char *name, bool dir)
{
	struct part p[] = { S(name) };

	return callv(dir ? FUSE_RMDIR : FUSE_UNLINK, parent, p, 1).error;
}

static int opendir_(uint64_t nodeid, uint64_t *fh)
{
	struct fuse_open_in in = { 0 };
	struct fuse_open_out o;
	int err = take(call1(FUSE_OPENDIR, nodeid, &in, sizeof(in)), &o,
		       sizeof(o));

	*fh = o.fh;
	return err;
}

/* Host-side checks. */

static bool host_exists(const char *name)
{
	struct stat st;

	return fstatat(sfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static struct stat host_stat(const char *name)
{
	struct stat st = { 0 };

	fstatat(sfd, name, &st, AT_SYMLINK_NOFOLLOW);
	return st;
}

static void host_write(const char *name, const char *data)
{
	int fd = openat(sfd, name, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || write(fd, data, strlen(data)) != (ssize_t)strlen(data))
		exit(99);
	close(fd);
}

static void test_init(void)
{
	const struct fbr_conn *c = fbr_session_conn(sess);

	is_int(fbr_session_state(sess), FBR_SESSION_LIVE, "INIT: session live");
	ok(c->want & FUSE_EXPORT_SUPPORT, "INIT: EXPORT_SUPPORT granted");
	ok(c->want & FUSE_ATOMIC_O_TRUNC, "INIT: ATOMIC_O_TRUNC granted");
	ok(!(c->want & FUSE_DONT_MASK), "INIT: DONT_MASK not asked for");
	ok(!(c->want & FUSE_WRITEBACK_CACHE), "INIT: no writeback unless asked");
	ok(c->want & FUSE_AUTO_INVAL_DATA, "INIT: cache=auto asks AUTO_INVAL_DATA");
	ok(!(c->want & FUSE_POSIX_LOCKS), "INIT: no POSIX locks (kernel local)");
	is_int(stats().inodes, 1, "stats: the root only");
}

static void test_lookup_getattr(void)
{
	struct fuse_entry_out e, e2;
	struct fuse_attr a;
	struct stat st;

	host_write("hello", "hello, world\n");
	st = host_stat("hello");
	is_int(lookup(FUSE_ROOT_ID, "hello", &e), 0, "lookup of a host file");
	ok(e.nodeid != FUSE_ROOT_ID && e.nodeid != 0, "lookup: a new nodeid");
	is_int(e.attr.ino, (long long)st.st_ino, "lookup: st_ino as on the host");
	is_int(e.attr.size, 13, "lookup: size");
	is_int(e.attr.mode, st.st_mode, "lookup: mode");
	is_int(e.attr.nlink, 1, "lookup: nlink");
	is_int(e.entry_valid, 1, "cache=auto: entry timeout 1 s");
	is_int(lookup(FUSE_ROOT_ID, "hello", &e2), 0, "lookup again");
	is_int(e2.nodeid, e.nodeid, "lookup again: the same nodeid");
	is_int(stats().inodes, 2, "stats: root and one file");
	is_int(getattr(e.nodeid, &a), 0, "getattr");
	is_int(a.mtime, st.st_mtim.tv_sec, "getattr: mtime");
	is_int(a.mtimensec, st.st_mtim.tv_nsec, "getattr: mtime ns");
	is_int(lookup(FUSE_ROOT_ID, "nothere", &e2), -ENOENT, "lookup: ENOENT");
	host_write("hello", "changed on the host, longer\n");
	is_int(getattr(e.nodeid, &a), 0, "getattr after a host change");
	is_int(a.size, 28, "getattr: sees the host's change at once");
	forget(e.nodeid, 2);
	is_int(stats().inodes, 1, "forget: the count drops to the root");
	is_int(getattr(e.nodeid, &a), -ESTALE, "getattr of a forgotten nodeid");
	is_int(getattr(FUSE_ROOT_ID, &a), 0, "getattr of the root");
	ok(S_ISDIR(a.mode), "root is a directory");
}

static void test_files(void)
{
	struct created c;
	struct fuse_open_out o;
	char buf[64];
	struct stat st;

	is_int(create_(FUSE_ROOT_ID, "new", O_WRONLY | O_CREAT, 0640, &c), 0,
	       "create");
	st = host_stat("new");
	ok(S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0640,
	   "create: on the host with the mode given");
	is_int(c.e.attr.ino, (long long)st.st_ino, "create: entry's ino");
	is_int(stats().handles, 1, "stats: one handle");
	is_int(write_(c.e.nodeid, c.o.fh, 0, "abcdef", 6), 6, "write");
	is_int(write_(c.e.nodeid, c.o.fh, 10, "XY", 2), 2, "write at offset");
	is_int(host_stat("new").st_size, 12, "write: host size");
	is_int(read_(c.e.nodeid, c.o.fh, 0, 6, buf), -EBADF,
	       "read through a write-only handle: EBADF");
	is_int(release(c.e.nodeid, c.o.fh, false), 0, "release");
	is_int(stats().handles, 0, "stats: no handle");
	is_int(read_(c.e.nodeid, c.o.fh, 0, 6, buf), -EBADF,
	       "read after release: EBADF");
	is_int(open_(c.e.nodeid, O_RDONLY, &o), 0, "open read-only");
	is_int(read_(c.e.nodeid, o.fh, 0, sizeof(buf), buf), 12, "read: all");
	is_bytes(buf, 12, "abcdef\0\0\0\0XY", 12, "read: the bytes written");
	is_int(read_(c.e.nodeid, o.fh, 4, 4, buf), 4, "read: a part");
	is_bytes(buf, 4, "ef\0\0", 4, "read: the part's bytes");
	is_int(read_(c.e.nodeid, o.fh, 100, 4, buf), 0, "read past the end");
	is_int(write_(c.e.nodeid, o.fh, 0, "z", 1), -EBADF,
	       "write through a read-only handle: EBADF");
	is_int(read_(c.e.nodeid, o.fh ^ (1ULL << 32), 0, 4, buf), -EBADF,
	       "read with a stale generation: EBADF");
	is_int(read_(c.e.nodeid, 0xdeadbeefcafeULL, 0, 4, buf), -EBADF,
	       "read with a made-up fh: EBADF");
	is_int(release(c.e.nodeid, o.fh, false), 0, "release");
	is_int(release(c.e.nodeid, o.fh, false), -EBADF, "release twice: EBADF");
	is_int(create_(FUSE_ROOT_ID, "new", O_WRONLY | O_CREAT | O_EXCL, 0600, &c),
	       -EEXIST, "create O_EXCL of an existing name: EEXIST");
	forget(c.e.nodeid, 1);
}

static void test_mkdir_unlink(void)
{
	struct fuse_entry_out d, e;
	struct created c;

	is_int(mkdir_(FUSE_ROOT_ID, "dir", 0750, &d), 0, "mkdir");
	ok(S_ISDIR(host_stat("dir").st_mode) &&
	   (host_stat("dir").st_mode & 07777) == 0750,
	   "mkdir: on the host, mode as given");
	is_int(mkdir_(FUSE_ROOT_ID, "dir", 0750, &e), -EEXIST, "mkdir: EEXIST");
	is_int(create_(d.nodeid, "f", O_RDWR | O_CREAT, 0644, &c), 0,
	       "create in the new directory");
	ok(host_exists("dir/f"), "create: dir/f on the host");
	release(c.e.nodeid, c.o.fh, false);
	is_int(unlink_(FUSE_ROOT_ID, "dir", true), -ENOTEMPTY,
	       "rmdir of a full directory: ENOTEMPTY");
	is_int(unlink_(d.nodeid, "f", false), 0, "unlink");
	ok(!host_exists("dir/f"), "unlink: gone on the host");
	is_int(unlink_(d.nodeid, "f", false), -ENOENT, "unlink again: ENOENT");
	is_int(unlink_(FUSE_ROOT_ID, "dir", true), 0, "rmdir");
	ok(!host_exists("dir"), "rmdir: gone on the host");
	forget(c.e.nodeid, 1);
	forget(d.nodeid, 1);
	is_int(stats().inodes, 1, "stats: the root only again");
}

/* Read a directory whole in replies of size bytes; returns the names. */
struct listing {
	char names[1024][64];
	uint64_t ino[1024];
	uint64_t off[1024];
	int n, calls, err;
};

static void list_dir(uint64_t nodeid, uint64_t fh, uint64_t off, uint32_t size,
		     bool plus, struct listing *l)
{
	l->n = l->calls = l->err = 0;
	for (;;) {
		struct fuse_read_in in = { .fh = fh, .offset = off, .size = size };
		struct reply r = call1(plus ? FUSE_READDIRPLUS : FUSE_READDIR,
				       nodeid, &in, sizeof(in));
		size_t pos = 0;

		l->calls++;
		if (r.error) {
			l->err = r.error;
			return;
		}
		if (!r.len)
			return;
		while (pos < r.len && l->n < 1024) {
			struct fuse_dirent d;
			size_t head = plus ? FUSE_NAME_OFFSET_DIRENTPLUS :
					     FUSE_NAME_OFFSET;

			memcpy(&d, r.data + pos + (plus ? sizeof(struct fuse_entry_out) : 0),
			       sizeof(d));
			snprintf(l->names[l->n], 64, "%.*s", (int)d.namelen,
				 r.data + pos + head);
			l->ino[l->n] = d.ino;
			l->off[l->n++] = d.off;
			off = d.off;
			pos += FUSE_DIRENT_ALIGN(head + d.namelen);
		}
	}
}

static int find_name(const struct listing *l, const char *name)
{
	for (int i = 0; i < l->n; i++)
		if (!strcmp(l->names[i], name))
			return i;
	return -1;
}

static void test_readdir(void)
{
	static struct listing l, l2;
	struct fuse_entry_out d, e;
	uint64_t fh;
	int missing = 0, i;

	mkdir_(FUSE_ROOT_ID, "many", 0755, &d);
	for (i = 0; i < 300; i++) {
		char name[32];

		snprintf(name, sizeof(name), "many/entry-%03d-with-a-long-name", i);
		host_write(name, "");
	}
	is_int(opendir_(d.nodeid, &fh), 0, "opendir");
	list_dir(d.nodeid, fh, 0, 1024, false, &l);
	is_int(l.err, 0, "readdir: no error");
	is_int(l.n, 302, "readdir: 300 entries and . and ..");
	ok(l.calls > 10, "readdir: over several calls (%d)", l.calls);
	for (i = 0; i < 300; i++) {
		char name[32];

		snprintf(name, sizeof(name), "entry-%03d-with-a-long-name", i);
		missing += find_name(&l, name) < 0;
	}
	is_int(missing, 0, "readdir: every name once");
	ok(find_name(&l, ".") >= 0 && find_name(&l, "..") >= 0,
	   "readdir: . and ..");
	i = find_name(&l, "entry-123-with-a-long-name");
	is_int(lookup(d.nodeid, "entry-123-with-a-long-name", &e), 0, "lookup");
	is_int(l.ino[i], e.attr.ino, "readdir: d_ino is lookup's ino");
	forget(e.nodeid, 1);
	/* Restart in the middle: the same entries follow. */
	list_dir(d.nodeid, fh, l.off[150], 512, false, &l2);
	is_int(l2.n, 302 - 151, "readdir from an offset: the rest");
	ok(l2.n > 0 && !strcmp(l2.names[0], l.names[151]) &&
	   !strcmp(l2.names[l2.n - 1], l.names[301]),
	   "readdir from an offset: the same entries follow");
	list_dir(d.nodeid, fh, 0, 4096, false, &l2);
	is_int(l2.n, 302, "readdir from 0 again: all");
	is_int(release(d.nodeid, fh, true), 0, "releasedir");
	is_int(release(d.nodeid, fh, true), -EBADF, "releasedir twice: EBADF");
	forget(d.nodeid, 1);
}

int main(void)
{
	struct fbr_pt_opts o;

	if (!mkdtemp(scratch))
		skip_all("mkdtemp failed");
	sfd = open(scratch, O_PATH | O_DIRECTORY);
	if (fbr_memsink_init(&sink, PAYLOAD))
		return 99;
	o = default_opts();
	start(&o, ~0ULL);
	test_init();
	test_lookup_getattr();
	test_files();
	test_mkdir_unlink();
	test_readdir();
	stop();
	fbr_memsink_release(&sink);
	return done_testing();
}
