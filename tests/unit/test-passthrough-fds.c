/*
 * The passthrough driver with more inodes than fds: the test process
 * lowers RLIMIT_NOFILE to 64 (soft and hard, so the driver cannot raise
 * it back), then creates, walks, reads, renames and removes hundreds of
 * inodes through raw FUSE requests while the kernel's side (this test)
 * keeps every nodeid: files, directories, hard links and symlinks, with
 * files held open meanwhile and the fd table filled up from outside.
 * Each step checks the replies, the host tree, and that the process never
 * holds more fds than the limit allows: inodes nobody uses give their
 * O_PATH fd back and are reopened by file handle.  Last, in a user
 * namespace, where handles cannot be opened, every inode keeps its fd.
 */
#define _GNU_SOURCE 1
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fbr/passthrough.h"
#include "transports/memory.h"
#include "ptcall.h"
#include "tap.h"

#define PAYLOAD (1U << 20)
#define NOFILE 64
#define NDIRS 4
#define NFILES 100     /* per directory: 400 files, over six times NOFILE */

static struct fbr_driver drv;
static char scratch[] = "/tmp/fbr-ptfds-XXXXXX";
static int maxfds;     /* the most fds seen open at any check */


/* The fds this process holds now, remembered as the peak if it is one. */
static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	n -= 3; /* ".", ".." and the DIR's own */
	if (n > maxfds)
		maxfds = n;
	return n;
}

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

static int mkdir_(uint64_t parent, const char *name, struct fuse_entry_out *e)
{
	struct fuse_mkdir_in in = { .mode = 0755 };
	struct part p[] = { P(in), S(name) };

	return tc_take(tc_call(FUSE_MKDIR, parent, p, 2), e, sizeof(*e));
}

struct created {
	struct fuse_entry_out e;
	struct fuse_open_out o;
};

static int create_(uint64_t parent, const char *name, struct created *c)
{
	struct fuse_create_in in = { .flags = O_WRONLY | O_EXCL, .mode = 0644 };
	struct part p[] = { P(in), S(name) };

	return tc_take(tc_call(FUSE_CREATE, parent, p, 2), c, sizeof(*c));
}

static int open_(uint64_t nodeid, uint32_t flags, uint64_t *fh, bool dir)
{
	struct fuse_open_in in = { .flags = flags };
	struct fuse_open_out o;
	int err = tc_take(tc_call1(dir ? FUSE_OPENDIR : FUSE_OPEN, nodeid, &in,
			     sizeof(in)), &o, sizeof(o));

	*fh = o.fh;
	return err;
}

static int release(uint64_t nodeid, uint64_t fh, bool dir)
{
	struct fuse_release_in in = { .fh = fh };

	return tc_call1(dir ? FUSE_RELEASEDIR : FUSE_RELEASE, nodeid, &in,
		     sizeof(in)).error;
}

static int write_(uint64_t nodeid, uint64_t fh, const char *data)
{
	struct fuse_write_in in = { .fh = fh, .size = (uint32_t)strlen(data) };
	struct part p[] = { P(in), { data, strlen(data) } };
	struct fuse_write_out out;
	int err = tc_take(tc_call(FUSE_WRITE, nodeid, p, 2), &out, sizeof(out));

	return err ? err : (int)out.size;
}

/* The file's whole content (up to size - 1 bytes), or a negative errno. */
static int read_file(uint64_t nodeid, char *buf, size_t size)
{
	struct fuse_read_in in = { .size = (uint32_t)size - 1 };
	struct reply r;
	uint64_t fh;
	int err = open_(nodeid, O_RDONLY, &fh, false);

	if (err)
		return err;
	in.fh = fh;
	r = tc_call1(FUSE_READ, nodeid, &in, sizeof(in));
	if (!r.error) {
		memcpy(buf, r.data, r.len);
		buf[r.len] = '\0';
	}
	release(nodeid, fh, false);
	return r.error ? r.error : (int)r.len;
}

static int unlink_(uint64_t parent, const char *name, bool dir)
{
	struct part p[] = { S(name) };

	return tc_call(dir ? FUSE_RMDIR : FUSE_UNLINK, parent, p, 1).error;
}

static int rename_(uint64_t od, const char *on, uint64_t nd, const char *nn)
{
	struct fuse_rename2_in in = { .newdir = nd };
	struct part p[] = { P(in), S(on), S(nn) };

	return tc_call(FUSE_RENAME2, od, p, 3).error;
}

/* Names and the content each file gets. */
static void names(int d, int f, char dir[16], char file[16], char data[64])
{
	snprintf(dir, 16, "d%d", d);
	snprintf(file, 16, "f%03d", f);
	snprintf(data, 64, "file %d of directory %d\n", f, d);
}

static struct fuse_entry_out dirs[NDIRS];
static struct fuse_entry_out files[NDIRS][NFILES];

static void test_create(void)
{
	int bad = 0;

	for (int d = 0; d < NDIRS; d++) {
		char dn[16], fn[16], data[64];

		names(d, 0, dn, fn, data);
		bad += mkdir_(FUSE_ROOT_ID, dn, &dirs[d]) != 0;
		for (int f = 0; f < NFILES; f++) {
			struct created c;

			names(d, f, dn, fn, data);
			if (create_(dirs[d].nodeid, fn, &c) ||
			    write_(c.e.nodeid, c.o.fh, data) != (int)strlen(data) ||
			    release(c.e.nodeid, c.o.fh, false)) {
				bad++;
				continue;
			}
			files[d][f] = c.e;
			count_fds();
		}
	}
	is_int(bad, 0, "create and write %d files in %d directories",
	       NDIRS * NFILES, NDIRS);
	ok(maxfds < NOFILE, "creating: fds stayed under the limit (peak %d)",
	   maxfds);
}

/* The host's view: every file there with the right content. */
static void test_host_tree(void)
{
	int bad = 0;

	for (int d = 0; d < NDIRS; d++) {
		for (int f = 0; f < NFILES; f++) {
			char dn[16], fn[16], data[64], path[128], got[64] = "";
			FILE *fp;

			names(d, f, dn, fn, data);
			snprintf(path, sizeof(path), "%s/%s/%s", scratch, dn, fn);
			fp = fopen(path, "r");
			if (fp) {
				if (!fgets(got, sizeof(got), fp))
					got[0] = '\0';
				fclose(fp);
			}
			bad += strcmp(got, data) != 0;
		}
	}
	is_int(bad, 0, "on the host: every file, with its content");
}

/* Every nodeid still works, though most fds were closed long ago. */
static void test_getattr_read(void)
{
	int bad_attr = 0, bad_read = 0;

	for (int d = 0; d < NDIRS; d++) {
		for (int f = 0; f < NFILES; f++) {
			char dn[16], fn[16], data[64], got[64];
			struct fuse_attr a;

			names(d, f, dn, fn, data);
			if (getattr(files[d][f].nodeid, &a) ||
			    a.ino != files[d][f].attr.ino ||
			    a.size != strlen(data))
				bad_attr++;
			if (read_file(files[d][f].nodeid, got, sizeof(got)) !=
			    (int)strlen(data) || strcmp(got, data))
				bad_read++;
			count_fds();
		}
	}
	is_int(bad_attr, 0, "getattr of every nodeid: same ino, right size");
	is_int(bad_read, 0, "open and read every file: right content");
	ok(maxfds < NOFILE, "reading: fds stayed under the limit (peak %d)",
	   maxfds);
}

/* LOOKUP again, and READDIRPLUS: the same nodeids, one more lookup each. */
static void test_walk(void)
{
	int bad = 0, seen = 0;

	for (int d = 0; d < NDIRS; d++) {
		for (int f = 0; f < NFILES; f++) {
			char dn[16], fn[16], data[64];
			struct fuse_entry_out e;

			names(d, f, dn, fn, data);
			if (tc_lookup(dirs[d].nodeid, fn, &e) ||
			    e.nodeid != files[d][f].nodeid)
				bad++;
			else
				forget(e.nodeid, 1);
		}
	}
	is_int(bad, 0, "lookup again: the nodeid the kernel already has");
	bad = 0;
	for (int d = 0; d < NDIRS; d++) {
		struct fuse_read_in in = { .size = 4096 };
		uint64_t fh;

		if (open_(dirs[d].nodeid, O_RDONLY, &fh, true)) {
			bad++;
			continue;
		}
		in.fh = fh;
		for (;;) {
			struct reply r = tc_call1(FUSE_READDIRPLUS, dirs[d].nodeid,
					       &in, sizeof(in));
			size_t pos = 0;

			if (r.error || !r.len) {
				bad += r.error != 0;
				break;
			}
			while (pos < r.len) {
				struct fuse_entry_out e;
				struct fuse_dirent de;

				memcpy(&e, r.data + pos, sizeof(e));
				memcpy(&de, r.data + pos + sizeof(e), sizeof(de));
				if (e.nodeid) {
					forget(e.nodeid, 1);
					seen++;
				}
				in.offset = de.off;
				pos += FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET_DIRENTPLUS +
							 de.namelen);
			}
			count_fds();
		}
		release(dirs[d].nodeid, fh, true);
	}
	is_int(bad, 0, "readdirplus of every directory: no error");
	is_int(seen, NDIRS * NFILES, "readdirplus: every file looked up");
	ok(maxfds < NOFILE, "walking: fds stayed under the limit (peak %d)",
	   maxfds);
}

/* Renamed while its fd is closed: the handle still finds it. */
static void test_rename(void)
{
	char data[64], got[64], dn[16], fn[16];

	names(0, 7, dn, fn, data);
	is_int(rename_(dirs[0].nodeid, fn, dirs[1].nodeid, "moved"), 0,
	       "rename a file into another directory");
	is_int(read_file(files[0][7].nodeid, got, sizeof(got)),
	       (int)strlen(data), "its nodeid still opens");
	is_int(rename_(dirs[1].nodeid, "moved", dirs[0].nodeid, fn), 0,
	       "and back");
}

static int link_(uint64_t nodeid, uint64_t newparent, const char *name,
		 struct fuse_entry_out *e)
{
	struct fuse_link_in in = { .oldnodeid = nodeid };
	struct part p[] = { P(in), S(name) };

	return tc_take(tc_call(FUSE_LINK, newparent, p, 2), e, sizeof(*e));
}

static int symlink_(uint64_t parent, const char *name, const char *target,
		    struct fuse_entry_out *e)
{
	struct part p[] = { S(name), S(target) };

	return tc_take(tc_call(FUSE_SYMLINK, parent, p, 2), e, sizeof(*e));
}

/* What goes through /proc/self/fd or at an empty path: links, symlinks. */
static void test_links(void)
{
	struct fuse_entry_out l, sl[NOFILE];
	char data[64], got[64], dn[16], fn[16], name[16];
	struct reply r;
	int bad = 0, i;

	names(0, 8, dn, fn, data);
	is_int(link_(files[0][8].nodeid, dirs[1].nodeid, "linked", &l), 0,
	       "hard link to a file whose fd was closed");
	is_int(read_file(l.nodeid, got, sizeof(got)), (int)strlen(data),
	       "the link reads the file");
	is_int(unlink_(dirs[1].nodeid, "linked", false), 0, "unlink the link");
	forget(l.nodeid, 1);
	for (i = 0; i < NOFILE; i++) {
		snprintf(name, sizeof(name), "sl%02d", i);
		snprintf(data, sizeof(data), "target-%d", i);
		bad += symlink_(dirs[2].nodeid, name, data, &sl[i]) != 0;
	}
	is_int(bad, 0, "%d symlinks", NOFILE);
	for (i = 0; i < NOFILE; i++) {
		snprintf(data, sizeof(data), "target-%d", i);
		r = tc_call1(FUSE_READLINK, sl[i].nodeid, NULL, 0);
		bad += r.error || r.len != strlen(data) ||
		       memcmp(r.data, data, r.len);
	}
	is_int(bad, 0, "each reads back its target, reopened as itself");
	for (i = 0; i < NOFILE; i++) {
		snprintf(name, sizeof(name), "sl%02d", i);
		bad += unlink_(dirs[2].nodeid, name, false) != 0;
		forget(sl[i].nodeid, 1);
	}
	is_int(bad, 0, "and are removed");
}

/*
 * Open files hold fds the cache cannot take back: keep many open, then
 * fill the table up, and an open still succeeds while the cache has fds
 * to give.
 */
static void test_pressure(void)
{
	uint64_t fh[NOFILE / 4];
	int held[NOFILE], nheld = 0, bad = 0, i;
	char got[64];

	for (i = 0; i < NOFILE / 4; i++)
		bad += open_(files[2][i].nodeid, O_RDONLY, &fh[i], false) != 0;
	is_int(bad, 0, "%d files held open", NOFILE / 4);
	for (i = 0; i < NFILES; i++)
		bad += read_file(files[3][i].nodeid, got, sizeof(got)) <= 0;
	is_int(bad, 0, "while they are, every other file still reads");
	while (nheld < NOFILE && (held[nheld] = dup(0)) >= 0)
		nheld++;
	ok(nheld < NOFILE, "the fd table is full (%d more taken)", nheld);
	bad = 0;
	for (i = 0; i < 10; i++)
		bad += read_file(files[1][i].nodeid, got, sizeof(got)) <= 0;
	ok(bad < 10, "full table: opens still succeed on fds the cache gave "
	   "back (%d of 10 failed)", bad);
	while (nheld)
		close(held[--nheld]);
	for (i = 0; i < NOFILE / 4; i++)
		release(files[2][i].nodeid, fh[i], false);
}

/* Remove everything; FORGET gives back every inode and every fd. */
static void test_remove(int base)
{
	struct fbr_pt_stats st;
	int bad = 0;

	for (int d = 0; d < NDIRS; d++) {
		char dn[16], fn[16], data[64];

		for (int f = 0; f < NFILES; f++) {
			names(d, f, dn, fn, data);
			bad += unlink_(dirs[d].nodeid, fn, false) != 0;
			forget(files[d][f].nodeid, 1);
		}
		bad += unlink_(FUSE_ROOT_ID, dn, true) != 0;
		forget(dirs[d].nodeid, 1);
	}
	is_int(bad, 0, "unlink every file, rmdir every directory");
	fbr_passthrough_stats(&drv, &st);
	is_int((long long)st.inodes, 1, "forgotten: only the root is left");
	is_int((long long)st.handles, 0, "and no handle");
	is_int(count_fds(), base, "and the fds are back to where they began");
	ok(rmdir(scratch) == 0, "the source is empty on the host");
}

/*
 * In a new user namespace the server lacks CAP_DAC_READ_SEARCH where the
 * source lives, so open_by_handle_at is refused: then no fd may be closed,
 * since none could be reopened.  In a child, which exits with the number
 * of the step that went wrong, 0 if none did, 77 to skip.
 */
static int no_handles_child(void)
{
	char src[] = "/tmp/fbr-ptfds-nh-XXXXXX", path[64], map[32];
	struct fbr_pt_opts o = { .source = src, .cache = FBR_PT_CACHE_AUTO,
				 .entry_timeout = -1, .attr_timeout = -1 };
	struct fbr_session_opts so = { .max_write = PAYLOAD };
	struct fuse_init_in in = { .major = FUSE_KERNEL_VERSION, .minor = 45,
				   .flags = FUSE_INIT_EXT };
	struct fuse_init_out out;
	struct fuse_entry_out e[NOFILE / 2];
	struct fuse_attr a;
	int fd, base, n = NOFILE / 2, euid = (int)geteuid();

	if (!mkdtemp(src))
		return 77;
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/f%d", src, i);
		close(open(path, O_CREAT | O_WRONLY, 0644));
	}
	/* Ourselves as root in there too, so the files stay ours. */
	snprintf(map, sizeof(map), "0 %d 1", euid);
	if (unshare(CLONE_NEWUSER) < 0)
		return 77;
	fd = open("/proc/self/uid_map", O_WRONLY);
	if (fd < 0 || write(fd, map, strlen(map)) < 0)
		return 77;
	close(fd);
	if (fbr_passthrough_new(&o, &drv))
		return 1;
	tc_sess = fbr_session_new(&drv, &so);
	if (!tc_sess || tc_take(tc_call1(FUSE_INIT, 0, &in, sizeof(in)), &out,
			  sizeof(out)))
		return 2;
	base = count_fds();
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "f%d", i);
		if (tc_lookup(FUSE_ROOT_ID, path, &e[i]))
			return 3;
	}
	if (count_fds() != base + n)
		return 4; /* one fd per inode, none closed */
	for (int i = 0; i < n; i++)
		if (getattr(e[i].nodeid, &a) || a.ino != e[i].attr.ino)
			return 5;
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "f%d", i);
		forget(e[i].nodeid, 1);
		if (unlink_(FUSE_ROOT_ID, path, false))
			return 6;
	}
	if (count_fds() != base)
		return 7;
	fbr_session_free(tc_sess);
	fbr_passthrough_free(&drv);
	return rmdir(src) == 0 ? 0 : 8;
}

static void test_no_handles(void)
{
	int status = 0;
	pid_t pid = fork();

	if (pid == 0)
		_exit(no_handles_child());
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status)) {
		ok(0, "without file handles: the child ran");
		return;
	}
	if (WEXITSTATUS(status) == 77) {
		skip("no user namespace", "without file handles");
		return;
	}
	is_int(WEXITSTATUS(status), 0, "without file handles (a user "
	       "namespace): every inode keeps its fd, and all works");
}

int main(void)
{
	struct rlimit rl = { NOFILE, NOFILE };
	struct fbr_pt_opts o = { .source = scratch, .cache = FBR_PT_CACHE_AUTO,
				 .entry_timeout = -1, .attr_timeout = -1 };
	struct fbr_session_opts so = { .max_write = PAYLOAD };
	struct fuse_init_in in = { .major = FUSE_KERNEL_VERSION, .minor = 45,
				   .flags = FUSE_INIT_EXT };
	struct fuse_init_out out;
	int base;

	if (!mkdtemp(scratch))
		skip_all("mkdtemp failed");
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		skip_all("cannot lower RLIMIT_NOFILE");
	if (fbr_memsink_init(&tc_sink, PAYLOAD))
		return 99;
	if (fbr_passthrough_new(&o, &drv))
		return 99;
	tc_sess = fbr_session_new(&drv, &so);
	if (!tc_sess || tc_take(tc_call1(FUSE_INIT, 0, &in, sizeof(in)), &out,
			  sizeof(out)))
		return 99;
	base = count_fds();
	test_create();
	test_host_tree();
	test_getattr_read();
	test_walk();
	test_rename();
	test_links();
	test_pressure();
	test_remove(base);
	test_no_handles();
	fbr_session_free(tc_sess);
	fbr_passthrough_free(&drv);
	fbr_memsink_release(&tc_sink);
	return done_testing();
}
