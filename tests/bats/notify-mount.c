/*
 * notify-mount: what each notification does to the kernel's caches, on a
 * real mount.  It mounts SRC on MNT with the passthrough driver at
 * cache=always (a day's timeouts, file data and listings kept), serves it
 * on its own threads, and runs one scenario: change SRC behind the mount
 * (or let the driver change it), see the stale view through MNT, send the
 * notification, see the fresh view.  TAP on stdout; run by notify.bats.
 *
 * The driver is the passthrough driver with a few operations wrapped: the
 * nodeids LOOKUP hands out at the root are noted (a notification names
 * nodeids), READs are counted, and POLL, which the passthrough driver has
 * no use for, answers from a flag the scenario sets.
 *
 *   notify-mount [--no-notify] [--uring] SCENARIO SRC MNT
 *
 * --no-notify takes the session's notifications away after it starts, so
 * the driver's own ones (killpriv, acl) are not sent: the stale view stays.
 * --uring serves requests through FUSE over io_uring.
 */
#define _GNU_SOURCE 1
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "fbr/passthrough.h"
#include "fbr/session.h"
#include "tap.h"
#include "fbr/fusedev.h"
#include "fbr/log.h"

#define MAX_NAMES 32

static struct {
	const struct fbr_driver_ops *pt;
	struct fbr_driver_ops ops;
	struct fbr_session *s;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct { char name[64]; uint64_t nodeid; } names[MAX_NAMES];
	int nnames;
	atomic_uint reads;
	bool ready;                /* POLL: the file has data */
	bool scheduled;            /* POLL: the kernel waits for a wake-up */
	uint64_t kh;
} T = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };

static const char *src, *mnt;

static int t_lookup(void *fs, const struct fbr_ctx *c, uint64_t parent,
		    const char *name, struct fuse_entry_out *out)
{
	int err = T.pt->lookup(fs, c, parent, name, out);

	if (err || !out->nodeid || parent != FUSE_ROOT_ID)
		return err;
	pthread_mutex_lock(&T.lock);
	if (T.nnames < MAX_NAMES) {
		snprintf(T.names[T.nnames].name, sizeof(T.names[0].name), "%s",
			 name);
		T.names[T.nnames++].nodeid = out->nodeid;
	}
	pthread_mutex_unlock(&T.lock);
	return 0;
}

static int t_read(void *fs, const struct fbr_ctx *c, uint64_t ino,
		  const struct fuse_read_in *in, const struct iovec *dst,
		  int dstcnt)
{
	atomic_fetch_add(&T.reads, 1);
	return T.pt->read(fs, c, ino, in, dst, dstcnt);
}

static int t_poll(void *fs, const struct fbr_ctx *c, uint64_t ino,
		  const struct fuse_poll_in *in, uint32_t *revents)
{
	pthread_mutex_lock(&T.lock);
	*revents = T.ready ? in->events & POLLIN : 0;
	if (in->flags & FUSE_POLL_SCHEDULE_NOTIFY) {
		T.kh = in->kh;
		T.scheduled = true;
		pthread_cond_broadcast(&T.cond);
	}
	pthread_mutex_unlock(&T.lock);
	return 0;
}

/* The nodeid the last LOOKUP of name at the root gave, or 0. */
static uint64_t nodeid(const char *name)
{
	uint64_t id = 0;

	pthread_mutex_lock(&T.lock);
	for (int i = 0; i < T.nnames; i++)
		if (!strcmp(T.names[i].name, name))
			id = T.names[i].nodeid;
	pthread_mutex_unlock(&T.lock);
	return id;
}

/* Paths in SRC and in MNT: one static buffer each, so one at a time. */
static const char *in_src(const char *name)
{
	static char p[4096];

	snprintf(p, sizeof(p), "%s/%s", src, name);
	return p;
}

static const char *in_mnt(const char *name)
{
	static char p[4096];

	snprintf(p, sizeof(p), "%s/%s", mnt, name);
	return p;
}

static void put_file(const char *path, char c, size_t size, mode_t mode)
{
	char buf[8192];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	memset(buf, c, size);
	if (fd < 0 || write(fd, buf, size) != (ssize_t)size)
		diag("cannot write '%s': %m", path);
	if (fd >= 0)
		close(fd);
	chmod(path, mode);
}

/* The first byte of path through the mount, or -1. */
static int first_byte(const char *path)
{
	unsigned char b;
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, &b, 1);

	if (fd >= 0)
		close(fd);
	return n == 1 ? b : -1;
}

static unsigned mode_of(const char *path)
{
	struct statx st;

	if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_MODE, &st) < 0)
		return 0;
	return st.stx_mode & 07777;
}

/*
 * Whether a listing of dir names name.  getdents64(2) on a bare open:
 * opendir(3) would also fstat() the directory, and the kernel, its atime
 * stale after the last listing, would fetch attributes, see the mtime
 * changed and drop the cached listing by itself.
 */
static bool listed(const char *dir, const char *name)
{
	_Alignas(struct dirent64) char buf[8192];
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	bool found = false;
	ssize_t n;

	while (fd >= 0 && (n = getdents64(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t p = 0; p < n;) {
			const struct dirent64 *d = (const void *)(buf + p);

			found |= !strcmp(d->d_name, name);
			p += d->d_reclen;
		}
	}
	if (fd >= 0)
		close(fd);
	return found;
}

static void scenario_inval_inode(bool notify)
{
	struct stat st;

	put_file(in_src("attr"), 'a', 16, 0644);
	put_file(in_src("data"), 'a', 16, 0644);
	stat(in_mnt("attr"), &st);
	ok(first_byte(in_mnt("data")) == 'a', "data read through the mount");
	chmod(in_src("attr"), 0600);
	put_file(in_src("data"), 'b', 16, 0644);
	stat(in_mnt("attr"), &st);
	is_int(st.st_mode & 07777, 0644, "mode changed behind: stale");
	is_int(first_byte(in_mnt("data")), 'a', "data changed behind: stale");
	is_int(fbr_notify_inval_inode(T.s, nodeid("attr"), -1, 0), 0,
	       "INVAL_INODE of attributes");
	is_int(fbr_notify_inval_inode(T.s, nodeid("data"), 0, 0), 0,
	       "INVAL_INODE of attributes and data");
	stat(in_mnt("attr"), &st);
	is_int(st.st_mode & 07777, 0600, "mode fresh");
	is_int(first_byte(in_mnt("data")), 'b', "data fresh");
	is_int(fbr_notify_inval_inode(T.s, 999999, -1, 0), -ENOENT,
	       "INVAL_INODE of a nodeid the kernel lacks: ENOENT");
}

static void scenario_inval_entry(bool notify)
{
	char old[4096];
	struct stat st;

	put_file(in_src("old"), 'a', 16, 0644);
	ok(stat(in_mnt("old"), &st) == 0, "old looked up");
	ok(stat(in_mnt("new"), &st) < 0 && errno == ENOENT,
	   "new missing, and so cached");
	snprintf(old, sizeof(old), "%s", in_src("old"));
	ok(rename(old, in_src("new")) == 0, "renamed behind the mount");
	ok(stat(in_mnt("old"), &st) == 0, "renamed behind: old still there");
	ok(stat(in_mnt("new"), &st) < 0, "renamed behind: new still missing");
	is_int(fbr_notify_inval_entry(T.s, FUSE_ROOT_ID, "old", 0), 0,
	       "INVAL_ENTRY old");
	is_int(fbr_notify_inval_entry(T.s, FUSE_ROOT_ID, "new", 0), 0,
	       "INVAL_ENTRY new");
	ok(stat(in_mnt("old"), &st) < 0 && errno == ENOENT, "old gone");
	ok(stat(in_mnt("new"), &st) == 0, "new there");
}

static void scenario_delete(bool notify)
{
	struct stat st;

	put_file(in_src("gone"), 'a', 16, 0644);
	put_file(in_src("stays"), 'a', 16, 0644);
	/* The root's attributes first: a listing cached before the kernel
	   has its real mtime is dropped at the next opendir. */
	ok(stat(mnt, &st) == 0 && stat(in_mnt("gone"), &st) == 0 &&
	   stat(in_mnt("stays"), &st) == 0, "looked up");
	ok(listed(mnt, "gone"), "gone listed");
	unlink(in_src("gone"));
	ok(listed(mnt, "gone"), "removed behind: still listed (cached listing)");
	ok(stat(in_mnt("gone"), &st) == 0, "removed behind: still found");
	is_int(fbr_notify_delete(T.s, FUSE_ROOT_ID, nodeid("gone"), "gone"), 0,
	       "DELETE gone");
	ok(!listed(mnt, "gone"), "not listed any more");
	ok(stat(in_mnt("gone"), &st) < 0 && errno == ENOENT, "not found");
	is_int(fbr_notify_delete(T.s, FUSE_ROOT_ID, nodeid("gone"), "stays"),
	       -ENOENT, "DELETE naming another child: ENOENT");
	ok(listed(mnt, "stays") && stat(in_mnt("stays"), &st) == 0,
	   "and that name stays");
}

struct got {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done;
	int err;
	uint64_t off;
	char data[8192];
	size_t size;
};

static void on_retrieve(void *arg, int err, uint64_t off, const void *data,
			size_t size)
{
	struct got *g = arg;

	pthread_mutex_lock(&g->lock);
	g->err = err;
	g->off = off;
	g->size = size < sizeof(g->data) ? size : sizeof(g->data);
	if (g->size)
		memcpy(g->data, data, g->size);
	g->done = true;
	pthread_cond_signal(&g->cond);
	pthread_mutex_unlock(&g->lock);
}

static bool wait_done(pthread_mutex_t *lock, pthread_cond_t *cond, bool *done)
{
	struct timespec until;
	int err = 0;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 30;
	pthread_mutex_lock(lock);
	while (!*done && err != ETIMEDOUT)
		err = pthread_cond_timedwait(cond, lock, &until);
	pthread_mutex_unlock(lock);
	return *done;
}

static struct got *retrieve(uint64_t ino, uint64_t off, uint32_t size)
{
	static struct got g;
	int err;

	pthread_mutex_init(&g.lock, NULL);
	pthread_cond_init(&g.cond, NULL);
	g.done = false;
	g.size = 0;
	err = fbr_notify_retrieve(T.s, ino, off, size, on_retrieve, &g);
	if (err) {
		diag("RETRIEVE: %s", strerror(-err));
		return NULL;
	}
	return wait_done(&g.lock, &g.cond, &g.done) ? &g : NULL;
}

static void scenario_store_retrieve(bool notify)
{
	char page[4096], back[4096];
	struct iovec iov = { page, sizeof(page) };
	struct got *g;
	struct stat st;
	int fd;

	put_file(in_src("plain"), 'a', 4096, 0644);
	put_file(in_src("stored"), 'a', 4096, 0644);
	stat(in_mnt("plain"), &st);
	stat(in_mnt("stored"), &st);
	atomic_store(&T.reads, 0);
	ok(first_byte(in_mnt("plain")) == 'a' && atomic_load(&T.reads) > 0,
	   "an uncached file is READ from the server");
	memset(page, 'S', sizeof(page));
	is_int(fbr_notify_store(T.s, nodeid("stored"), 0, &iov, 1), 0,
	       "STORE a page");
	atomic_store(&T.reads, 0);
	fd = open(in_mnt("stored"), O_RDONLY);
	ok(fd >= 0 && read(fd, back, sizeof(back)) == sizeof(back) &&
	   !memcmp(back, page, sizeof(page)), "the stored page is read back");
	if (fd >= 0)
		close(fd);
	is_int(atomic_load(&T.reads), 0, "and no READ reached the server");
	g = retrieve(nodeid("stored"), 0, 4096);
	ok(g && g->err == 0 && g->off == 0 && g->size == 4096 &&
	   !memcmp(g->data, page, 4096), "RETRIEVE gives the stored page back");
	g = retrieve(nodeid("plain"), 0, 8192);
	ok(g && g->err == 0 && g->size == 4096 && g->data[0] == 'a' &&
	   g->data[4095] == 'a', "RETRIEVE of a file read: its cached page");
	g = retrieve(nodeid("plain"), 65536, 4096);
	ok(g && g->err == 0 && g->size == 0, "RETRIEVE past what is cached: nothing");
	is_int(fbr_notify_retrieve(T.s, 999999, 0, 4096, on_retrieve, NULL),
	       -ENOENT, "RETRIEVE of a nodeid the kernel lacks: ENOENT");
}

struct poller {
	int fd;
	short revents;
	bool done;
	pthread_mutex_t lock;
	pthread_cond_t cond;
};

static void *poll_thread(void *arg)
{
	struct poller *p = arg;
	struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
	int n = poll(&pfd, 1, 30000);

	pthread_mutex_lock(&p->lock);
	p->revents = n > 0 ? pfd.revents : 0;
	p->done = true;
	pthread_cond_signal(&p->cond);
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static void scenario_poll(bool notify)
{
	struct poller p = { .lock = PTHREAD_MUTEX_INITIALIZER,
			    .cond = PTHREAD_COND_INITIALIZER };
	pthread_t t;
	bool scheduled;

	put_file(in_src("pollme"), 'a', 16, 0644);
	p.fd = open(in_mnt("pollme"), O_RDONLY);
	ok(p.fd >= 0, "opened through the mount");
	pthread_create(&t, NULL, poll_thread, &p);
	scheduled = wait_done(&T.lock, &T.cond, &T.scheduled);
	ok(scheduled, "POLL reached the driver, asking for a wake-up");
	pthread_mutex_lock(&T.lock);
	T.ready = true;
	pthread_mutex_unlock(&T.lock);
	usleep(300000);
	pthread_mutex_lock(&p.lock);
	ok(!p.done, "ready, but not told: poll(2) still waits");
	pthread_mutex_unlock(&p.lock);
	if (scheduled)
		is_int(fbr_notify_poll(T.s, T.kh), 0, "NOTIFY_POLL");
	ok(wait_done(&p.lock, &p.cond, &p.done) && (p.revents & POLLIN),
	   "poll(2) woke with POLLIN");
	pthread_join(t, NULL);
	close(p.fd);
}

enum change { BY_WRITE, BY_FALLOCATE, BY_COPY };

/* The data change itself, on fd; from is another file of the mount. */
static bool change(int fd, const char *from, enum change how)
{
	loff_t off = 0;
	int in;
	bool done;

	switch (how) {
	case BY_WRITE:
		return write(fd, "x", 1) == 1;
	case BY_FALLOCATE:
		return fallocate(fd, 0, 0, 8192) == 0;
	case BY_COPY:
		in = open(from, O_RDONLY);
		done = in >= 0 && copy_file_range(in, NULL, fd, &off, 4, 0) == 4;
		if (in >= 0)
			close(in);
		return done;
	}
	return false;
}

/* Change path's data as uid/gid, without supplementary groups. */
static bool change_as(const char *path, const char *from, enum change how,
		      uid_t uid, gid_t gid)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		int fd;

		if (setgroups(0, NULL) || setgid(gid) || setuid(uid))
			_exit(2);
		fd = open(path, O_WRONLY);
		if (fd < 0 || !change(fd, from, how)) {
			fprintf(stderr, "# '%s': %m\n", path);
			_exit(1);
		}
		_exit(0);
	}
	return pid > 0 && waitpid(pid, &status, 0) == pid &&
	       WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/*
 * A write by a caller outside the file's group clears its setgid bit
 * (group-execute unset).  The kernel's client keeps that bit (it clears by
 * the mode alone) and, the caller not being the owner, its SETATTR before
 * the write changes nothing; the server clears it on WRITE, whose reply
 * carries no mode, and the kernel refreshes only size and times after it.
 * statx(STATX_MODE), like the permission checks, uses the cached mode.
 * FALLOCATE and COPY_FILE_RANGE go the same way.
 */
static void scenario_killpriv(bool notify)
{
	static const struct { const char *name, *how; enum change by; } c[] = {
		{ "kp-write", "write", BY_WRITE },
		{ "kp-fallocate", "fallocate", BY_FALLOCATE },
		{ "kp-copy", "copy_file_range", BY_COPY },
	};
	struct passwd *pw = getpwnam("fbrtest");
	char from[4096];

	if (!pw) {
		ok(false, "no user fbrtest");
		return;
	}
	put_file(in_src("from"), 'f', 16, 0644);
	snprintf(from, sizeof(from), "%s", in_mnt("from"));
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		put_file(in_src(c[i].name), 'a', 16, 02646);
		is_int(mode_of(in_mnt(c[i].name)), 02646,
		       "%s: setgid seen through the mount", c[i].how);
		ok(change_as(in_mnt(c[i].name), from, c[i].by,
			     pw->pw_uid, pw->pw_gid),
		   "%s by a caller outside its group, not its owner", c[i].how);
		is_int(mode_of(in_src(c[i].name)), 0646,
		       "%s: the server cleared setgid", c[i].how);
		is_int(mode_of(in_mnt(c[i].name)), notify ? 0646 : 02646,
		       notify ? "%s: the mount shows it cleared" :
		       "%s: without notifications the mount shows it still set",
		       c[i].how);
	}
}

/* An access ACL whose mask leaves the group read only. */
static void scenario_acl(bool notify)
{
	static const struct { uint16_t tag, perm; uint32_t id; } acl[] = {
		{ 0x01, 6, UINT32_MAX }, /* user:: rw- */
		{ 0x04, 6, UINT32_MAX }, /* group:: rw- */
		{ 0x08, 4, 0 },          /* group:root: r-- */
		{ 0x10, 4, UINT32_MAX }, /* mask:: r-- */
		{ 0x20, 4, UINT32_MAX }, /* other:: r-- */
	};
	char blob[4 + sizeof(acl)];
	uint32_t version = 2;

	memcpy(blob, &version, 4);
	memcpy(blob + 4, acl, sizeof(acl));
	put_file(in_src("acl"), 'a', 16, 0664);
	is_int(mode_of(in_mnt("acl")), 0664, "mode seen through the mount");
	if (setxattr(in_mnt("acl"), "system.posix_acl_access", blob,
		     sizeof(blob), 0) < 0) {
		skip("no ACLs here", "setxattr: %s", strerror(errno));
		return;
	}
	is_int(mode_of(in_src("acl")), 0644, "the ACL's mask set the group bits");
	is_int(mode_of(in_mnt("acl")), notify ? 0644 : 0664,
	       notify ? "the mount shows them" :
			"without notifications the mount shows the old ones");
}

static const struct {
	const char *name;
	void (*run)(bool notify);
} scenarios[] = {
	{ "inval-inode", scenario_inval_inode },
	{ "inval-entry", scenario_inval_entry },
	{ "delete", scenario_delete },
	{ "store-retrieve", scenario_store_retrieve },
	{ "poll", scenario_poll },
	{ "killpriv", scenario_killpriv },
	{ "acl", scenario_acl },
};

struct server {
	struct fbr_driver drv;
	struct fbr_mount m;
	struct fbr_fusedev *d;
};

/* Wait up to 30 s for the server to reach state st. */
static int wait_state(struct fbr_fusedev *d, enum fbr_fusedev_state st)
{
	struct pollfd pfd = { .fd = fbr_fusedev_eventfd(d), .events = POLLIN };
	uint64_t n;

	for (int i = 0; i < 300; i++) {
		if (fbr_fusedev_state(d) == st)
			return 0;
		if (fbr_fusedev_state(d) == FBR_FUSEDEV_STOPPED)
			return -EIO;
		if (poll(&pfd, 1, 100) > 0 && read(pfd.fd, &n, sizeof(n)) < 0)
			return -errno;
	}
	return -ETIMEDOUT;
}

static int serve(struct server *sv, bool notify, bool uring)
{
	struct fbr_pt_opts po = { .source = src, .cache = FBR_PT_CACHE_ALWAYS,
				  .entry_timeout = -1, .attr_timeout = -1,
				  .xattr = true, .host_pids = true };
	struct fbr_session_opts so = { .max_write = FBR_FUSEDEV_MAX_WRITE };
	struct fbr_mount_opts mo = { .fsname = src, .subtype = "notify-test",
				     .allow_other = true,
				     .default_permissions = true };
	struct fbr_fusedev_opts fo = {
		.threads = 4,
		.uring = uring ? FBR_FUSEDEV_URING_ON : FBR_FUSEDEV_URING_OFF,
	};
	int err = fbr_passthrough_new(&po, &sv->drv);

	if (err)
		return err;
	T.pt = sv->drv.ops;
	T.ops = *T.pt;
	T.ops.lookup = t_lookup;
	T.ops.read = t_read;
	T.ops.poll = t_poll;
	sv->drv.ops = &T.ops;
	T.s = fbr_session_new(&sv->drv, &so);
	if (!T.s)
		return -errno;
	err = fbr_mount(mnt, &mo, &sv->m);
	if (err)
		return err;
	err = fbr_fusedev_start(T.s, sv->m.fd, &fo, &sv->d);
	if (err)
		return err;
	if (!notify)
		fbr_session_set_notify(T.s, NULL, NULL);
	return wait_state(sv->d, FBR_FUSEDEV_LIVE);
}

/* The workers end by themselves once the kernel lets the mount go. */
static void stop(struct server *sv)
{
	fbr_unmount(&sv->m);
	if (wait_state(sv->d, FBR_FUSEDEV_STOPPED))
		diag("the workers did not end: cancelled");
	fbr_fusedev_free(sv->d);
	fbr_mount_release(&sv->m);
	fbr_session_free(T.s);
	sv->drv.ops = T.pt;
	fbr_passthrough_free(&sv->drv);
}

/* Library messages as TAP comments; FBR_DEBUG=dispatch,... for more. */
static void log_line(enum fbr_log_level level, const char *subsys,
		     const char *msg)
{
	fprintf(stderr, "# %s: %s\n", subsys, msg);
}

int main(int argc, char **argv)
{
	struct server sv = { .m = { .fd = -1, .commfd = -1 } };
	bool notify = true, uring = false;
	int a = 1, err;

	fbr_log_set_handler(log_line);
	if (getenv("FBR_DEBUG"))
		fbr_log_set_debug(getenv("FBR_DEBUG"));
	for (; a < argc && !strncmp(argv[a], "--", 2); a++) {
		if (!strcmp(argv[a], "--no-notify"))
			notify = false;
		else if (!strcmp(argv[a], "--uring"))
			uring = true;
		else
			break;
	}
	if (argc != a + 3) {
		fprintf(stderr, "usage: notify-mount [--no-notify] [--uring] "
			"SCENARIO SRC MNT\n");
		return 2;
	}
	src = argv[a + 1];
	mnt = argv[a + 2];
	for (size_t i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
		if (strcmp(argv[a], scenarios[i].name))
			continue;
		err = serve(&sv, notify, uring);
		if (!ok(err == 0, "mounted and live: %s", strerror(-err)))
			return done_testing();
		if (uring)
			ok(fbr_session_conn(T.s)->want & FUSE_OVER_IO_URING,
			   "INIT agreed on FUSE over io_uring");
		scenarios[i].run(notify);
		stop(&sv);
		return done_testing();
	}
	fprintf(stderr, "notify-mount: unknown scenario '%s'\n", argv[a]);
	return 2;
}
