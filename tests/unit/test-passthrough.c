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
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fbr/passthrough.h"
#include "transports/memory.h"
#include "ptcall.h"
#include "tap.h"

#define PAYLOAD (1U << 20)

static struct fbr_driver drv;
static char scratch[] = "/tmp/fbr-pt-XXXXXX";
static int sfd = -1; /* the scratch directory, for checking on the host */


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
	tc_sess = fbr_session_new(&drv, &so);
	if (!tc_sess || tc_take(tc_call1(FUSE_INIT, 0, &in, sizeof(in)), &out,
			  sizeof(out))) {
		fprintf(stderr, "INIT failed\n");
		exit(99);
	}
}

static void stop(void)
{
	fbr_session_free(tc_sess);
	fbr_passthrough_free(&drv);
	tc_sess = NULL;
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

static void forget(uint64_t nodeid, uint64_t n)
{
	struct fuse_forget_in in = { .nlookup = n };

	tc_call1(FUSE_FORGET, nodeid, &in, sizeof(in));
}

static int getattr(uint64_t nodeid, struct fuse_attr *a)
{
	struct fuse_getattr_in in = { 0 };
	struct fuse_attr_out out;
	int err = tc_take(tc_call1(FUSE_GETATTR, nodeid, &in, sizeof(in)), &out,
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

	return tc_take(tc_call(FUSE_MKDIR, parent, p, 2), e, sizeof(*e));
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

	return tc_take(tc_call(FUSE_CREATE, parent, p, 2), c, sizeof(*c));
}

static int open_(uint64_t nodeid, uint32_t flags, struct fuse_open_out *o)
{
	struct fuse_open_in in = { .flags = flags };

	return tc_take(tc_call1(FUSE_OPEN, nodeid, &in, sizeof(in)), o, sizeof(*o));
}

static int release(uint64_t nodeid, uint64_t fh, bool dir)
{
	struct fuse_release_in in = { .fh = fh };

	return tc_call1(dir ? FUSE_RELEASEDIR : FUSE_RELEASE, nodeid, &in,
		     sizeof(in)).error;
}

/* Returns the bytes read, or a negative errno. */
static int read_(uint64_t nodeid, uint64_t fh, uint64_t off, uint32_t size,
		 void *buf)
{
	struct fuse_read_in in = { .fh = fh, .offset = off, .size = size };
	struct reply r = tc_call1(FUSE_READ, nodeid, &in, sizeof(in));

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
	int err = tc_take(tc_call(FUSE_WRITE, nodeid, p, 2), &out, sizeof(out));

	return err ? err : (int)out.size;
}

static int unlink_(uint64_t parent, const char *name, bool dir)
{
	struct part p[] = { S(name) };

	return tc_call(dir ? FUSE_RMDIR : FUSE_UNLINK, parent, p, 1).error;
}

static int opendir_(uint64_t nodeid, uint64_t *fh)
{
	struct fuse_open_in in = { 0 };
	struct fuse_open_out o;
	int err = tc_take(tc_call1(FUSE_OPENDIR, nodeid, &in, sizeof(in)), &o,
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
	const struct fbr_conn *c = fbr_session_conn(tc_sess);

	is_int(fbr_session_state(tc_sess), FBR_SESSION_LIVE, "INIT: session live");
	ok(c->want & FUSE_EXPORT_SUPPORT, "INIT: EXPORT_SUPPORT granted");
	ok(!(c->want & FUSE_ATOMIC_O_TRUNC),
	   "INIT: no ATOMIC_O_TRUNC (the kernel clears set-id bits on O_TRUNC)");
	ok(!(c->want & FUSE_DONT_MASK), "INIT: DONT_MASK not asked for");
	ok(!(c->want & FUSE_WRITEBACK_CACHE), "INIT: no writeback unless asked");
	ok(c->want & FUSE_AUTO_INVAL_DATA, "INIT: cache=auto asks AUTO_INVAL_DATA");
	ok(c->want & FUSE_POSIX_LOCKS && c->want & FUSE_FLOCK_LOCKS,
	   "INIT: POSIX and flock locks are the server's");
	is_int(stats().inodes, 1, "stats: the root only");
}

static void test_lookup_getattr(void)
{
	struct fuse_entry_out e, e2;
	struct fuse_attr a;
	struct stat st;

	host_write("hello", "hello, world\n");
	st = host_stat("hello");
	is_int(tc_lookup(FUSE_ROOT_ID, "hello", &e), 0, "lookup of a host file");
	ok(e.nodeid != FUSE_ROOT_ID && e.nodeid != 0, "lookup: a new nodeid");
	is_int(e.attr.ino, (long long)st.st_ino, "lookup: st_ino as on the host");
	is_int(e.attr.size, 13, "lookup: size");
	is_int(e.attr.mode, st.st_mode, "lookup: mode");
	is_int(e.attr.nlink, 1, "lookup: nlink");
	is_int(e.entry_valid, 1, "cache=auto: entry timeout 1 s");
	is_int(tc_lookup(FUSE_ROOT_ID, "hello", &e2), 0, "lookup again");
	is_int(e2.nodeid, e.nodeid, "lookup again: the same nodeid");
	is_int(stats().inodes, 2, "stats: root and one file");
	is_int(getattr(e.nodeid, &a), 0, "getattr");
	is_int(a.mtime, st.st_mtim.tv_sec, "getattr: mtime");
	is_int(a.mtimensec, st.st_mtim.tv_nsec, "getattr: mtime ns");
	is_int(tc_lookup(FUSE_ROOT_ID, "nothere", &e2), 0,
	       "lookup of a missing name: a negative entry");
	ok(e2.nodeid == 0 && e2.entry_valid == 1,
	   "negative entry: nodeid 0, cached for the entry timeout");
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
	uint64_t nodeid[1024];
	int n, calls, err;
};

static void list_dir(uint64_t nodeid, uint64_t fh, uint64_t off, uint32_t size,
		     bool plus, struct listing *l)
{
	l->n = l->calls = l->err = 0;
	for (;;) {
		struct fuse_read_in in = { .fh = fh, .offset = off, .size = size };
		struct reply r = tc_call1(plus ? FUSE_READDIRPLUS : FUSE_READDIR,
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
			struct fuse_entry_out e = { 0 };
			size_t head = plus ? FUSE_NAME_OFFSET_DIRENTPLUS :
					     FUSE_NAME_OFFSET;

			memcpy(&d, r.data + pos + (plus ? sizeof(struct fuse_entry_out) : 0),
			       sizeof(d));
			snprintf(l->names[l->n], 64, "%.*s", (int)d.namelen,
				 r.data + pos + head);
			if (plus)
				memcpy(&e, r.data + pos, sizeof(e));
			l->nodeid[l->n] = e.nodeid;
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
	is_int(tc_lookup(d.nodeid, "entry-123-with-a-long-name", &e), 0, "lookup");
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

static struct reply call0_(uint32_t opcode, uint64_t nodeid)
{
	return tc_call(opcode, nodeid, NULL, 0);
}

static void test_readdirplus(void)
{
	static struct listing l;
	struct fuse_entry_out d, e;
	uint64_t fh, before;
	int i, wrong = 0, counted = 0;

	mkdir_(FUSE_ROOT_ID, "plus", 0755, &d);
	for (i = 0; i < 50; i++) {
		char name[32];

		snprintf(name, sizeof(name), "plus/file-%02d", i);
		host_write(name, "data");
	}
	before = stats().inodes;
	opendir_(d.nodeid, &fh);
	list_dir(d.nodeid, fh, 0, 1000, true, &l);
	is_int(l.err, 0, "readdirplus: no error");
	is_int(l.n, 52, "readdirplus: 50 entries and . and ..");
	ok(l.calls > 5, "readdirplus: over several calls (%d)", l.calls);
	is_int(stats().inodes, before + 50,
	       "readdirplus: one lookup per entry sent, none for those that "
	       "did not fit");
	for (i = 0; i < l.n; i++) {
		if (!strcmp(l.names[i], ".") || !strcmp(l.names[i], "..")) {
			wrong += l.nodeid[i] != 0;
			continue;
		}
		if (tc_lookup(d.nodeid, l.names[i], &e) || e.nodeid != l.nodeid[i] ||
		    e.attr.ino != l.ino[i])
			wrong++;
		forget(e.nodeid, 2);
		counted++;
	}
	is_int(wrong, 0, "readdirplus: nodeids and inos match lookup's; "
	       "dots carry none");
	is_int(stats().inodes, before, "readdirplus: forgets drop them all");
	release(d.nodeid, fh, true);
	forget(d.nodeid, 1);
}

static int rename2(uint64_t od, const char *on, uint64_t nd, const char *nn,
		   uint32_t flags)
{
	struct fuse_rename2_in in = { .newdir = nd, .flags = flags };
	struct part p[] = { P(in), S(on), S(nn) };

	return tc_call(FUSE_RENAME2, od, p, 3).error;
}

static char *host_read(const char *name)
{
	static char buf[256];
	int fd = openat(sfd, name, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	buf[n < 0 ? 0 : n] = '\0';
	if (fd >= 0)
		close(fd);
	return buf;
}

static void test_rename(void)
{
	struct fuse_entry_out d;
	struct fuse_rename_in in = { .newdir = FUSE_ROOT_ID };
	struct part p[] = { P(in), S("c"), S("moved") };
	int err;

	host_write("a", "A");
	host_write("b", "B");
	mkdir_(FUSE_ROOT_ID, "rdir", 0755, &d);
	is_int(rename2(1, "a", 1, "b", RENAME_NOREPLACE), -EEXIST,
	       "rename NOREPLACE onto a name: EEXIST");
	is_int(strcmp(host_read("b"), "B"), 0, "NOREPLACE: b untouched");
	is_int(rename2(1, "a", 1, "b", RENAME_EXCHANGE), 0, "rename EXCHANGE");
	ok(!strcmp(host_read("a"), "B") && !strcmp(host_read("b"), "A"),
	   "EXCHANGE: swapped on the host");
	is_int(rename2(1, "a", d.nodeid, "c", 0), 0, "rename into a directory");
	ok(!host_exists("a") && !strcmp(host_read("rdir/c"), "B"),
	   "rename: moved on the host");
	is_int(tc_call(FUSE_RENAME, d.nodeid, p, 3).error, 0, "RENAME (v1)");
	ok(host_exists("moved") && !host_exists("rdir/c"), "RENAME: moved");
	is_int(rename2(1, "moved", 1, "x", 1U << 30), -EINVAL,
	       "rename: unknown flag: EINVAL");
	is_int(rename2(1, "moved", 1, "../x", 0), -EINVAL,
	       "rename to a name with '/': EINVAL");
	is_int(rename2(1, "moved", 1, "..", 0), -EINVAL, "rename to '..': EINVAL");
	err = rename2(1, "moved", 1, "wh", RENAME_WHITEOUT);
	if (err == -EINVAL || err == -EPERM) {
		skip("no whiteouts here", "rename WHITEOUT");
		skip("no whiteouts here", "WHITEOUT: a 0/0 device left");
	} else {
		is_int(err, 0, "rename WHITEOUT");
		ok(S_ISCHR(host_stat("moved").st_mode) &&
		   host_stat("moved").st_rdev == 0 && host_exists("wh"),
		   "WHITEOUT: a 0/0 device left");
		unlinkat(sfd, "moved", 0);
	}
	forget(d.nodeid, 1);
}

static void test_links(void)
{
	struct fuse_entry_out e, l, s;
	struct fuse_link_in in;
	struct part lp[2];
	struct part sp[] = { S("sl"), S("some/target") };
	struct reply r;

	host_write("lsrc", "x");
	tc_lookup(FUSE_ROOT_ID, "lsrc", &e);
	in.oldnodeid = e.nodeid;
	lp[0] = (struct part)P(in);
	lp[1] = (struct part)S("ldst");
	is_int(tc_take(tc_call(FUSE_LINK, FUSE_ROOT_ID, lp, 2), &l, sizeof(l)), 0,
	       "link");
	is_int(l.nodeid, e.nodeid, "link: the same inode, the same nodeid");
	is_int(l.attr.nlink, 2, "link: nlink 2");
	is_int(host_stat("ldst").st_ino, (long long)host_stat("lsrc").st_ino,
	       "link: a hard link on the host");
	lp[1] = (struct part)S("a/b");
	is_int(tc_call(FUSE_LINK, FUSE_ROOT_ID, lp, 2).error, -EINVAL,
	       "link to a name with '/': EINVAL");
	forget(e.nodeid, 2);
	is_int(tc_take(tc_call(FUSE_SYMLINK, FUSE_ROOT_ID, sp, 2), &s, sizeof(s)), 0,
	       "symlink");
	ok(S_ISLNK(s.attr.mode), "symlink: the entry is a symlink");
	{
		char t[64] = "";

		readlinkat(sfd, "sl", t, sizeof(t) - 1);
		is_int(strcmp(t, "some/target"), 0, "symlink: target on the host");
	}
	r = tc_call(FUSE_READLINK, s.nodeid, NULL, 0);
	is_bytes(r.data, r.error ? 0 : r.len, "some/target", 11, "readlink");
	r = tc_call(FUSE_READLINK, FUSE_ROOT_ID, NULL, 0);
	is_int(r.error, -EINVAL, "readlink of a directory: EINVAL");
	forget(s.nodeid, 1);
}

static int mknod_(const char *name, uint32_t mode, uint32_t rdev,
		  struct fuse_entry_out *e)
{
	struct fuse_mknod_in in = { .mode = mode, .rdev = rdev };
	struct part p[] = { P(in), S(name) };

	return tc_take(tc_call(FUSE_MKNOD, FUSE_ROOT_ID, p, 2), e, sizeof(*e));
}

static void test_mknod(void)
{
	struct fuse_entry_out e;

	is_int(mknod_("fifo", S_IFIFO | 0640, 0, &e), 0, "mknod fifo");
	ok(S_ISFIFO(host_stat("fifo").st_mode) &&
	   (host_stat("fifo").st_mode & 0777) == 0640, "mknod: a fifo on the host");
	forget(e.nodeid, 1);
	is_int(mknod_("sock", S_IFSOCK | 0600, 0, &e), 0, "mknod socket");
	ok(S_ISSOCK(host_stat("sock").st_mode), "mknod: a socket on the host");
	forget(e.nodeid, 1);
	if (geteuid() != 0) {
		skip("not root", "mknod chr");
		skip("not root", "mknod: device number");
		return;
	}
	is_int(mknod_("null", S_IFCHR | 0600, (uint32_t)makedev(1, 3), &e), 0,
	       "mknod chr");
	ok(S_ISCHR(host_stat("null").st_mode) &&
	   host_stat("null").st_rdev == makedev(1, 3) &&
	   e.attr.rdev == makedev(1, 3), "mknod: device number");
	forget(e.nodeid, 1);
}

static int setattr_(uint64_t nodeid, const struct fuse_setattr_in *in,
		    struct fuse_attr *a)
{
	struct fuse_attr_out out;
	int err = tc_take(tc_call1(FUSE_SETATTR, nodeid, in, sizeof(*in)), &out,
		       sizeof(out));

	if (!err && a)
		*a = out.attr;
	return err;
}

static void test_setattr(void)
{
	struct fuse_setattr_in in;
	struct fuse_entry_out e;
	struct fuse_open_out o;
	struct fuse_attr a;
	struct stat st;
	time_t now = time(NULL);

	host_write("sa", "0123456789abcdef");
	tc_lookup(FUSE_ROOT_ID, "sa", &e);
	in = (struct fuse_setattr_in){ .valid = FATTR_SIZE, .size = 10 };
	is_int(setattr_(e.nodeid, &in, &a), 0, "setattr size");
	is_int(a.size, 10, "setattr: reply has the new size");
	is_int(host_stat("sa").st_size, 10, "setattr: truncated on the host");
	in = (struct fuse_setattr_in){ .valid = FATTR_MODE, .mode = S_IFREG | 04711 };
	is_int(setattr_(e.nodeid, &in, &a), 0, "setattr mode");
	is_int(host_stat("sa").st_mode & 07777, 04711, "chmod on the host");
	in = (struct fuse_setattr_in){ .valid = FATTR_ATIME | FATTR_MTIME,
		.atime = 1000000000, .atimensec = 500,
		.mtime = 1234567890, .mtimensec = 250 };
	is_int(setattr_(e.nodeid, &in, &a), 0, "setattr times");
	st = host_stat("sa");
	ok(st.st_atim.tv_sec == 1000000000 && st.st_atim.tv_nsec == 500 &&
	   st.st_mtim.tv_sec == 1234567890 && st.st_mtim.tv_nsec == 250,
	   "utimes on the host");
	ok(a.mtime == 1234567890 && a.mtimensec == 250, "reply has the times");
	in = (struct fuse_setattr_in){ .valid = FATTR_MTIME | FATTR_MTIME_NOW };
	is_int(setattr_(e.nodeid, &in, &a), 0, "setattr mtime NOW, atime OMIT");
	st = host_stat("sa");
	ok(st.st_atim.tv_sec == 1000000000 && st.st_atim.tv_nsec == 500,
	   "OMIT: atime kept");
	ok(st.st_mtim.tv_sec >= now, "NOW: mtime is now");
	in = (struct fuse_setattr_in){ .valid = FATTR_ATIME_NOW | FATTR_ATIME };
	is_int(setattr_(e.nodeid, &in, &a), 0, "setattr atime NOW");
	ok(host_stat("sa").st_atim.tv_sec >= now, "NOW: atime is now");
	open_(e.nodeid, O_RDWR, &o);
	in = (struct fuse_setattr_in){ .valid = FATTR_SIZE | FATTR_FH,
				       .fh = o.fh, .size = 3 };
	is_int(setattr_(e.nodeid, &in, &a), 0, "setattr size through the handle");
	is_int(host_stat("sa").st_size, 3, "ftruncate on the host");
	in.fh = o.fh + (1ULL << 40);
	is_int(setattr_(e.nodeid, &in, &a), -EBADF, "setattr with a bad fh: EBADF");
	release(e.nodeid, o.fh, false);
	if (geteuid() == 0) {
		in = (struct fuse_setattr_in){ .valid = FATTR_UID | FATTR_GID,
					       .uid = 1234, .gid = 5678 };
		is_int(setattr_(e.nodeid, &in, &a), 0, "setattr owner");
		st = host_stat("sa");
		ok(st.st_uid == 1234 && st.st_gid == 5678 && a.uid == 1234,
		   "chown on the host");
	} else {
		skip("not root", "setattr owner");
		skip("not root", "chown on the host");
	}
	forget(e.nodeid, 1);
}

static void test_data_ops(void)
{
	struct created c;
	struct fuse_entry_out e;
	struct fuse_open_out o;
	struct fuse_fallocate_in fa;
	struct fuse_lseek_in ls;
	struct fuse_lseek_out lo = { 0 };
	struct fuse_fsync_in fs;
	struct fuse_flush_in fl;
	struct fuse_write_out wo;
	char buf[16];
	int fd;

	create_(FUSE_ROOT_ID, "data", O_RDWR | O_CREAT, 0644, &c);
	fa = (struct fuse_fallocate_in){ .fh = c.o.fh, .length = 1 << 20 };
	is_int(tc_call1(FUSE_FALLOCATE, c.e.nodeid, &fa, sizeof(fa)).error, 0,
	       "fallocate");
	is_int(host_stat("data").st_size, 1 << 20, "fallocate: size on the host");
	fa = (struct fuse_fallocate_in){ .fh = c.o.fh, .offset = 0,
		.length = 1 << 20, .mode = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE };
	is_int(tc_call1(FUSE_FALLOCATE, c.e.nodeid, &fa, sizeof(fa)).error, 0,
	       "fallocate punch hole");
	write_(c.e.nodeid, c.o.fh, 512 * 1024, "x", 1);
	fd = openat(sfd, "data", O_RDONLY);
	ls = (struct fuse_lseek_in){ .fh = c.o.fh, .whence = SEEK_DATA };
	is_int(tc_take(tc_call1(FUSE_LSEEK, c.e.nodeid, &ls, sizeof(ls)), &lo,
		    sizeof(lo)), 0, "lseek SEEK_DATA");
	is_int(lo.offset, lseek(fd, 0, SEEK_DATA), "SEEK_DATA: as on the host");
	ok(lo.offset > 0, "SEEK_DATA: skips the hole");
	ls.whence = SEEK_HOLE;
	ls.offset = lo.offset;
	is_int(tc_take(tc_call1(FUSE_LSEEK, c.e.nodeid, &ls, sizeof(ls)), &lo,
		    sizeof(lo)), 0, "lseek SEEK_HOLE");
	is_int(lo.offset, lseek(fd, ls.offset, SEEK_HOLE), "SEEK_HOLE: as on the host");
	close(fd);
	ls.offset = 2 << 20;
	ls.whence = SEEK_DATA;
	is_int(tc_call1(FUSE_LSEEK, c.e.nodeid, &ls, sizeof(ls)).error, -ENXIO,
	       "SEEK_DATA past the end: ENXIO");
	fs = (struct fuse_fsync_in){ .fh = c.o.fh };
	is_int(tc_call1(FUSE_FSYNC, c.e.nodeid, &fs, sizeof(fs)).error, 0, "fsync");
	fs.fsync_flags = FUSE_FSYNC_FDATASYNC;
	is_int(tc_call1(FUSE_FSYNC, c.e.nodeid, &fs, sizeof(fs)).error, 0, "fdatasync");
	fl = (struct fuse_flush_in){ .fh = c.o.fh };
	is_int(tc_call1(FUSE_FLUSH, c.e.nodeid, &fl, sizeof(fl)).error, 0, "flush");
	fl.fh = 12345;
	is_int(tc_call1(FUSE_FLUSH, c.e.nodeid, &fl, sizeof(fl)).error, -EBADF,
	       "flush of a bad fh: EBADF");
	release(c.e.nodeid, c.o.fh, false);
	forget(c.e.nodeid, 1);

	/* copy_file_range between two handles */
	host_write("src", "0123456789");
	host_write("dst", "");
	tc_lookup(FUSE_ROOT_ID, "src", &e);
	open_(e.nodeid, O_RDONLY, &o);
	tc_lookup(FUSE_ROOT_ID, "dst", &c.e);
	open_(c.e.nodeid, O_WRONLY, &c.o);
	{
		struct fuse_copy_file_range_in cr = { .fh_in = o.fh, .off_in = 2,
			.nodeid_out = c.e.nodeid, .fh_out = c.o.fh, .off_out = 1,
			.len = 5 };

		is_int(tc_take(tc_call1(FUSE_COPY_FILE_RANGE, e.nodeid, &cr, sizeof(cr)),
			    &wo, sizeof(wo)), 0, "copy_file_range");
		is_int(wo.size, 5, "copy_file_range: 5 bytes");
		is_bytes(host_read("dst"), 6, "\0" "23456", 6,
			 "copy_file_range: the bytes on the host");
		cr.fh_out = 999;
		is_int(tc_call1(FUSE_COPY_FILE_RANGE, e.nodeid, &cr, sizeof(cr)).error,
		       -EBADF, "copy_file_range to a bad fh: EBADF");
	}
	release(c.e.nodeid, c.o.fh, false);
	/* O_APPEND and O_TRUNC */
	is_int(open_(c.e.nodeid, O_WRONLY | O_APPEND, &c.o), 0, "open O_APPEND");
	write_(c.e.nodeid, c.o.fh, 0, "AP", 2);
	is_bytes(host_read("dst"), 8, "\0" "23456AP", 8, "O_APPEND: appended");
	release(c.e.nodeid, c.o.fh, false);
	is_int(open_(c.e.nodeid, O_WRONLY | O_TRUNC, &c.o), 0, "open O_TRUNC");
	is_int(host_stat("dst").st_size, 0, "O_TRUNC: truncated on the host");
	release(c.e.nodeid, c.o.fh, false);
	is_int(read_(e.nodeid, o.fh, 0, 4, buf), 4, "read the source");
	release(e.nodeid, o.fh, false);
	forget(c.e.nodeid, 1);
	forget(e.nodeid, 1);
	is_int(stats().handles, 0, "no handles left");
}

static int count_host_entries(void)
{
	DIR *d = opendir(scratch);
	int n = 0;

	while (d && readdir(d))
		n++;
	if (d)
		closedir(d);
	return n;
}

static void test_tmpfile_statx(void)
{
	struct fuse_create_in ci = { .flags = O_RDWR, .mode = 0600 };
	struct part p[] = { P(ci), S("tmp") };
	struct created c;
	struct fuse_statx_in sxi = { .sx_mask = STATX_BASIC_STATS | STATX_BTIME };
	struct fuse_statx_out sxo;
	struct fuse_statfs_out sfo;
	struct fuse_access_in ai;
	struct statx hx;
	struct statfs hs;
	struct fuse_entry_out e;
	char buf[8];
	int before = count_host_entries();

	is_int(tc_take(tc_call(FUSE_TMPFILE, FUSE_ROOT_ID, p, 2), &c, sizeof(c)), 0,
	       "tmpfile");
	is_int(c.e.attr.nlink, 0, "tmpfile: no links");
	ok(S_ISREG(c.e.attr.mode), "tmpfile: a regular file");
	is_int(count_host_entries(), before, "tmpfile: no name on the host");
	is_int(write_(c.e.nodeid, c.o.fh, 0, "tmp!", 4), 4, "tmpfile: write");
	is_int(read_(c.e.nodeid, c.o.fh, 0, 8, buf), 4, "tmpfile: read back");
	release(c.e.nodeid, c.o.fh, false);
	forget(c.e.nodeid, 1);

	host_write("sx", "statx!");
	tc_lookup(FUSE_ROOT_ID, "sx", &e);
	statx(sfd, "sx", AT_SYMLINK_NOFOLLOW, STATX_BASIC_STATS | STATX_BTIME, &hx);
	is_int(tc_take(tc_call1(FUSE_STATX, e.nodeid, &sxi, sizeof(sxi)), &sxo,
		    sizeof(sxo)), 0, "statx");
	ok((sxo.stat.mask & STATX_BASIC_STATS) == STATX_BASIC_STATS,
	   "statx: basic stats in the mask");
	ok(sxo.stat.size == 6 && sxo.stat.ino == hx.stx_ino &&
	   sxo.stat.mode == hx.stx_mode && sxo.stat.nlink == 1,
	   "statx: size, ino, mode, nlink as on the host");
	ok(!(hx.stx_mask & STATX_BTIME) ||
	   ((sxo.stat.mask & STATX_BTIME) &&
	    sxo.stat.btime.tv_sec == hx.stx_btime.tv_sec &&
	    sxo.stat.btime.tv_nsec == hx.stx_btime.tv_nsec),
	   "statx: btime as on the host");
	is_int(sxo.attr_valid, 1, "statx: attr timeout");

	is_int(tc_take(call0_(FUSE_STATFS, e.nodeid), &sfo, sizeof(sfo)), 0, "statfs");
	fstatfs(sfd, &hs);
	ok(sfo.st.blocks == hs.f_blocks && sfo.st.bsize == hs.f_bsize &&
	   sfo.st.namelen == hs.f_namelen, "statfs: as on the host");

	ai = (struct fuse_access_in){ .mask = R_OK | W_OK };
	is_int(tc_call1(FUSE_ACCESS, e.nodeid, &ai, sizeof(ai)).error, 0,
	       "access R_OK|W_OK");
	ai.mask = X_OK;
	is_int(tc_call1(FUSE_ACCESS, e.nodeid, &ai, sizeof(ai)).error,
	       faccessat(sfd, "sx", X_OK, 0) ? -errno : 0,
	       "access X_OK on a 0644 file: as on the host");
	{
		struct fuse_syncfs_in si = { 0 };

		is_int(tc_call1(FUSE_SYNCFS, e.nodeid, &si, sizeof(si)).error, 0,
		       "syncfs");
	}
	forget(e.nodeid, 1);
}

static struct reply xattr_call(uint32_t op, uint64_t nodeid, const char *name,
			       uint32_t size)
{
	struct fuse_getxattr_in in = { .size = size };
	struct part p[] = { P(in), S(name) };

	return tc_call(op, nodeid, p, name[0] ? 2 : 1);
}

static int setxattr_(uint64_t nodeid, const char *name, const char *value)
{
	struct fuse_setxattr_in in = { .size = (uint32_t)strlen(value) };
	struct part p[] = { P(in), S(name), { value, strlen(value) } };

	return tc_call(FUSE_SETXATTR, nodeid, p, 3).error;
}

static void test_xattr(void)
{
	struct fuse_entry_out e;
	struct fuse_getxattr_out go;
	struct reply r;
	char v[32] = "";

	host_write("xa", "");
	tc_lookup(FUSE_ROOT_ID, "xa", &e);
	if (setxattr_(e.nodeid, "user.test", "value") == -EOPNOTSUPP) {
		skip("no user xattrs on this filesystem", "xattrs");
		forget(e.nodeid, 1);
		return;
	}
	{
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/xa", scratch);
		is_int(getxattr(path, "user.test", v, sizeof(v)), 5,
		       "setxattr: on the host");
		is_int(strcmp(v, "value"), 0, "setxattr: the value on the host");
	}
	is_int(tc_take(xattr_call(FUSE_GETXATTR, e.nodeid, "user.test", 0), &go,
		    sizeof(go)), 0, "getxattr size 0");
	is_int(go.size, 5, "getxattr: the length");
	r = xattr_call(FUSE_GETXATTR, e.nodeid, "user.test", 64);
	is_bytes(r.data, r.error ? 0 : r.len, "value", 5, "getxattr: the value");
	is_int(xattr_call(FUSE_GETXATTR, e.nodeid, "user.test", 2).error, -ERANGE,
	       "getxattr into too small a buffer: ERANGE");
	is_int(xattr_call(FUSE_GETXATTR, e.nodeid, "user.none", 64).error, -ENODATA,
	       "getxattr of a missing name: ENODATA");
	r = xattr_call(FUSE_LISTXATTR, e.nodeid, "", 256);
	ok(!r.error && memmem(r.data, r.len, "user.test", 10) != NULL,
	   "listxattr names it");
	{
		struct part p[] = { S("user.test") };

		is_int(tc_call(FUSE_REMOVEXATTR, e.nodeid, p, 1).error, 0,
		       "removexattr");
	}
	is_int(xattr_call(FUSE_GETXATTR, e.nodeid, "user.test", 64).error, -ENODATA,
	       "removexattr: gone");
	forget(e.nodeid, 1);
}

static void test_escape(void)
{
	static char outside[] = "/tmp/fbr-pt-out-XXXXXX";
	char target[PATH_MAX];
	struct fuse_entry_out e, d, s;
	struct fuse_open_out o;
	struct created c;
	struct fuse_attr ra;

	if (!mkdtemp(outside))
		exit(99);
	getattr(FUSE_ROOT_ID, &ra);
	is_int(tc_lookup(FUSE_ROOT_ID, "..", &e), 0, "lookup .. of the root");
	is_int(e.nodeid, FUSE_ROOT_ID, ".. of the root is the root");
	is_int(tc_lookup(FUSE_ROOT_ID, ".", &e), 0, "lookup . of the root");
	is_int(e.attr.ino, ra.ino, ". of the root is the root");
	mkdir_(FUSE_ROOT_ID, "sub", 0755, &d);
	is_int(tc_lookup(d.nodeid, "..", &e), 0, "lookup .. of a subdirectory");
	is_int(e.nodeid, FUSE_ROOT_ID, "it is the root");
	is_int(tc_lookup(FUSE_ROOT_ID, "sub/..", &e), -EINVAL, "lookup 'sub/..': EINVAL");
	is_int(tc_lookup(FUSE_ROOT_ID, "a/b", &e), -EINVAL, "lookup 'a/b': EINVAL");
	is_int(mkdir_(FUSE_ROOT_ID, "..", 0755, &e), -EINVAL, "mkdir '..': EINVAL");
	is_int(mkdir_(FUSE_ROOT_ID, "x/y", 0755, &e), -EINVAL, "mkdir 'x/y': EINVAL");
	is_int(create_(FUSE_ROOT_ID, "../escape", O_RDWR | O_CREAT, 0644, &c),
	       -EINVAL, "create '../escape': EINVAL");
	is_int(unlink_(FUSE_ROOT_ID, "..", true), -EINVAL, "rmdir '..': EINVAL");

	/* A symlink pointing outside is never followed. */
	snprintf(target, sizeof(target), "%s/secret", outside);
	{
		int fd = open(target, O_WRONLY | O_CREAT, 0600);

		close(fd);
	}
	symlinkat(target, sfd, "out");
	symlinkat(outside, sfd, "outdir");
	is_int(tc_lookup(FUSE_ROOT_ID, "out", &s), 0, "lookup of a symlink out");
	ok(S_ISLNK(s.attr.mode), "lookup: the symlink itself, not its target");
	is_int(open_(s.nodeid, O_RDONLY, &o), -ELOOP, "open of the symlink: ELOOP");
	is_int(open_(s.nodeid, O_RDONLY | O_NOFOLLOW, &o), -ELOOP,
	       "open O_NOFOLLOW of the symlink: ELOOP");
	forget(s.nodeid, 1);
	is_int(tc_lookup(FUSE_ROOT_ID, "outdir", &s), 0, "lookup of a dir symlink out");
	is_int(tc_lookup(s.nodeid, "secret", &e), -ENOTDIR,
	       "lookup through the symlink: ENOTDIR");
	{
		uint64_t fh;

		ok(opendir_(s.nodeid, &fh) < 0, "opendir of the symlink fails");
	}
	forget(s.nodeid, 1);
	snprintf(target, sizeof(target), "%s/created", outside);
	symlinkat(target, sfd, "trap");
	ok(create_(FUSE_ROOT_ID, "trap", O_RDWR | O_CREAT, 0644, &c) < 0,
	   "create over a dangling symlink fails");
	ok(access(target, F_OK) < 0, "and makes nothing outside");

	/* Moving the source on the host changes nothing. */
	{
		char moved[PATH_MAX];

		snprintf(moved, sizeof(moved), "%s/moved-source", outside);
		ok(rename(scratch, moved) == 0, "(host) move the source away");
		is_int(tc_lookup(d.nodeid, "..", &e), 0, "lookup .. after the move");
		is_int(e.nodeid, FUSE_ROOT_ID, "still the root");
		is_int(tc_lookup(FUSE_ROOT_ID, "sub", &e), 0, "lookup after the move");
		forget(e.nodeid, 1);
		rename(moved, scratch);
	}
	is_int(getattr(0xdead0000, &ra), -ESTALE, "getattr of a made-up nodeid");
	forget(d.nodeid, 2);
	unlinkat(sfd, "out", 0);
	unlinkat(sfd, "outdir", 0);
	unlinkat(sfd, "trap", 0);
	snprintf(target, sizeof(target), "%s/secret", outside);
	unlink(target);
	rmdir(outside);
}

static void test_mounts(void)
{
	struct fuse_entry_out m, f;
	static struct listing l;
	uint64_t fh;
	int i;

	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/mnt", scratch);
	mkdirat(sfd, "mnt", 0755);
	if (mount("fbrtest", path, "tmpfs", 0, NULL) < 0) {
		skip("cannot mount tmpfs", "other mounts: unique inos");
		unlinkat(sfd, "mnt", AT_REMOVEDIR);
		return;
	}
	host_write("mnt/file", "");
	is_int(tc_lookup(FUSE_ROOT_ID, "mnt", &m), 0, "lookup of a mount point");
	ok(m.attr.ino >= (1ULL << 48) &&
	   (m.attr.ino & ((1ULL << 48) - 1)) == host_stat("mnt").st_ino,
	   "another mount: st_ino folded with the mount's number");
	is_int(tc_lookup(m.nodeid, "file", &f), 0, "lookup in the other mount");
	ok(f.attr.ino >> 48 == m.attr.ino >> 48 &&
	   (f.attr.ino & ((1ULL << 48) - 1)) == host_stat("mnt/file").st_ino,
	   "and so is every inode in it");
	opendir_(m.nodeid, &fh);
	list_dir(m.nodeid, fh, 0, 4096, false, &l);
	i = find_name(&l, "file");
	ok(i >= 0 && l.ino[i] == f.attr.ino,
	   "readdir in the other mount: d_ino is lookup's ino");
	release(m.nodeid, fh, true);
	forget(f.nodeid, 1);
	forget(m.nodeid, 1);
	umount2(path, MNT_DETACH);
	unlinkat(sfd, "mnt", AT_REMOVEDIR);
}

static void test_destroy(void)
{
	struct fuse_entry_out e;
	struct fuse_open_out o;

	tc_lookup(FUSE_ROOT_ID, "src", &e);
	open_(e.nodeid, O_RDONLY, &o);
	ok(stats().inodes == 2 && stats().handles == 1, "before DESTROY");
	tc_call1(FUSE_DESTROY, 0, NULL, 0);
	ok(stats().inodes == 1 && stats().handles == 0,
	   "DESTROY: only the root left, no handles");
}

static uint32_t open_flags_of(uint64_t nodeid, bool dir)
{
	struct fuse_open_in in = { .flags = O_RDONLY };
	struct fuse_open_out o = { 0 };

	tc_take(tc_call1(dir ? FUSE_OPENDIR : FUSE_OPEN, nodeid, &in, sizeof(in)), &o,
	     sizeof(o));
	release(nodeid, o.fh, dir);
	return o.open_flags;
}

static void test_cache_modes(void)
{
	struct fbr_pt_opts o = default_opts();
	struct fuse_entry_out e;

	o.cache = FBR_PT_CACHE_NEVER;
	o.entry_timeout = o.attr_timeout = 5;
	start(&o, ~0ULL);
	ok(!(fbr_session_conn(tc_sess)->want & (FUSE_DO_READDIRPLUS |
					      FUSE_READDIRPLUS_AUTO)),
	   "cache=never: no READDIRPLUS");
	tc_lookup(FUSE_ROOT_ID, "src", &e);
	ok(e.entry_valid == 0 && e.attr_valid == 0 && e.entry_valid_nsec == 0,
	   "cache=never: timeouts 0 whatever was set");
	ok(open_flags_of(e.nodeid, false) & FOPEN_DIRECT_IO,
	   "cache=never: FOPEN_DIRECT_IO");
	host_write("src", "changed");
	{
		struct fuse_attr a;

		getattr(e.nodeid, &a);
		is_int(a.size, 7, "cache=never: a host change shows at once");
	}
	is_int(tc_lookup(FUSE_ROOT_ID, "nothere", &e), -ENOENT,
	       "cache=never: a missing name is plain ENOENT, not cached");
	stop();

	o = default_opts();
	o.cache = FBR_PT_CACHE_ALWAYS;
	start(&o, ~0ULL);
	tc_lookup(FUSE_ROOT_ID, "src", &e);
	ok(e.entry_valid == 86400 && e.attr_valid == 86400,
	   "cache=always: timeouts a day");
	ok(open_flags_of(e.nodeid, false) == FOPEN_KEEP_CACHE,
	   "cache=always: FOPEN_KEEP_CACHE");
	ok(open_flags_of(FUSE_ROOT_ID, true) == (FOPEN_KEEP_CACHE | FOPEN_CACHE_DIR),
	   "cache=always: directories FOPEN_CACHE_DIR");
	ok(fbr_session_conn(tc_sess)->want & FUSE_CACHE_SYMLINKS,
	   "cache=always: CACHE_SYMLINKS");
	stop();

	o = default_opts();
	o.cache = FBR_PT_CACHE_METADATA;
	o.entry_timeout = 2.5;
	o.attr_timeout = 0.25;
	start(&o, ~0ULL);
	tc_lookup(FUSE_ROOT_ID, "src", &e);
	ok(e.entry_valid == 2 && e.entry_valid_nsec == 500000000 &&
	   e.attr_valid == 0 && e.attr_valid_nsec == 250000000,
	   "cache=metadata: timeouts as set");
	is_int(open_flags_of(e.nodeid, false), 0,
	       "cache=metadata: no FOPEN_KEEP_CACHE");
	stop();
}

static void test_options(void)
{
	struct fbr_pt_opts o = default_opts();
	struct fuse_entry_out e, d;
	struct fuse_open_out fo;
	struct created c;
	struct fuse_setattr_in sa = { .valid = FATTR_MODE, .mode = 0600 };
	struct fbr_driver bad;
	char buf[16];

	o.readonly = true;
	start(&o, ~0ULL);
	tc_lookup(FUSE_ROOT_ID, "src", &e);
	is_int(create_(FUSE_ROOT_ID, "ro", O_RDWR | O_CREAT, 0644, &c), -EROFS,
	       "readonly: create EROFS");
	is_int(mkdir_(FUSE_ROOT_ID, "ro", 0755, &d), -EROFS, "readonly: mkdir EROFS");
	is_int(unlink_(FUSE_ROOT_ID, "src", false), -EROFS, "readonly: unlink EROFS");
	is_int(rename2(1, "src", 1, "x", 0), -EROFS, "readonly: rename EROFS");
	is_int(setattr_(e.nodeid, &sa, NULL), -EROFS, "readonly: setattr EROFS");
	is_int(setxattr_(e.nodeid, "user.x", "y"), -EROFS, "readonly: setxattr EROFS");
	is_int(open_(e.nodeid, O_WRONLY, &fo), -EROFS, "readonly: open for write EROFS");
	is_int(open_(e.nodeid, O_RDONLY | O_TRUNC, &fo), -EROFS,
	       "readonly: open O_TRUNC EROFS");
	is_int(open_(e.nodeid, O_RDONLY, &fo), 0, "readonly: open for read works");
	ok(host_exists("src") && !host_exists("ro"), "readonly: nothing changed");
	stop();

	o = default_opts();
	o.xattr = false;
	o.writeback = true;
	start(&o, ~0ULL);
	tc_lookup(FUSE_ROOT_ID, "src", &e);
	is_int(xattr_call(FUSE_GETXATTR, e.nodeid, "user.x", 64).error, -ENOSYS,
	       "xattr off: getxattr ENOSYS (the kernel stops asking)");
	is_int(setxattr_(e.nodeid, "user.x", "y"), -ENOSYS, "xattr off: setxattr ENOSYS");
	ok(fbr_session_conn(tc_sess)->want & FUSE_WRITEBACK_CACHE,
	   "writeback: WRITEBACK_CACHE granted");
	host_write("src", "wb-data");
	is_int(open_(e.nodeid, O_WRONLY | O_APPEND, &fo), 0, "writeback: open O_WRONLY");
	is_int(read_(e.nodeid, fo.fh, 0, sizeof(buf), buf), 7,
	       "writeback: the kernel may read through a write-only open");
	is_int(write_(e.nodeid, fo.fh, 0, "WB", 2), 2, "writeback: write at 0");
	is_bytes(host_read("src"), 7, "WB-data", 7,
		 "writeback: O_APPEND left to the kernel, offsets honoured");
	release(e.nodeid, fo.fh, false);
	stop();

	o = default_opts();
	o.killpriv_v2 = true;
	start(&o, ~0ULL);
	ok(fbr_session_conn(tc_sess)->want & FUSE_HANDLE_KILLPRIV_V2,
	   "killpriv_v2: HANDLE_KILLPRIV_V2 granted");
	fchmodat(sfd, "src", 06755, 0);
	tc_lookup(FUSE_ROOT_ID, "src", &e);
	open_(e.nodeid, O_RDWR, &fo);
	{
		struct fuse_write_in wi = { .fh = fo.fh, .size = 1,
			.write_flags = FUSE_WRITE_KILL_SUIDGID };
		struct part p[] = { P(wi), { "K", 1 } };

		is_int(tc_call(FUSE_WRITE, e.nodeid, p, 2).error, 0,
		       "killpriv_v2: write with KILL_SUIDGID");
	}
	is_int(host_stat("src").st_mode & 07777, 0755,
	       "killpriv_v2: set-id bits dropped on the host");
	release(e.nodeid, fo.fh, false);
	stop();

	o = default_opts();
	o.source = "/nonexistent/fbr";
	is_int(fbr_passthrough_new(&o, &bad), -ENOENT, "new: missing source ENOENT");
	o.source = "/proc/self/exe";
	is_int(fbr_passthrough_new(&o, &bad), -ENOTDIR, "new: a file is ENOTDIR");
}

static void test_sessions(void)
{
	test_cache_modes();
	test_options();
}

static int remove_one(const char *path, const struct stat *st, int type,
		      struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

int main(void)
{
	struct fbr_pt_opts o;

	if (!mkdtemp(scratch))
		skip_all("mkdtemp failed");
	sfd = open(scratch, O_PATH | O_DIRECTORY);
	if (fbr_memsink_init(&tc_sink, PAYLOAD))
		return 99;
	o = default_opts();
	start(&o, ~0ULL);
	test_init();
	test_lookup_getattr();
	test_files();
	test_mkdir_unlink();
	test_readdir();
	test_readdirplus();
	test_rename();
	test_links();
	test_mknod();
	test_setattr();
	test_data_ops();
	test_tmpfile_statx();
	test_xattr();
	test_escape();
	test_mounts();
	test_destroy();
	stop();
	test_sessions();
	fbr_memsink_release(&tc_sink);
	close(sfd);
	nftw(scratch, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	return done_testing();
}
