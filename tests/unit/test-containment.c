/*
 * Containment: escape attempts against the passthrough driver, as crafted
 * FUSE requests a kernel client would never send: '..' and '/' in names,
 * NULs inside a name's length, over-long names, nodeids never looked up
 * or forgotten, opens, attribute changes and links of symlinks that point
 * out of the share, device nodes, /proc, and the share's parent renamed
 * on the host while it is served.  Each attack runs against the
 * dispatcher over the memory transport, against the virtio-fs transport
 * through the fake front-end (vufront.c), and, given its path, against
 * an fbr-virtiofsd process.
 *
 * The share lies two levels down in a sentinel directory, next to a
 * directory with a secret in it.  After each attack the reply's errno is
 * checked, the sentinel (everything but the share) and /etc/passwd must
 * be as they were, and no reply may have carried the secret or a line of
 * /etc/passwd.
 *
 * Usage: test-containment [FBR-VIRTIOFSD [ARGS...]]
 */
#define _GNU_SOURCE 1
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "fbr/passthrough.h"
#include "transports/memory.h"
#include "fbr/virtiofs.h"
#include "ptcall.h"
#include "tap.h"
#include "vufront.h"

#define PAYLOAD (1U << 20)
#define UNKNOWN 0xdead0000ULL  /* a nodeid nobody handed out */

/* ---- the sentinel directory: outside/, a/share/, run/ ---- */

static char sentinel[] = "/tmp/fbr-contain-XXXXXX";
static char share[PATH_MAX];
static int sfd = -1;            /* the sentinel, O_PATH */
static int shfd = -1;           /* the share, O_PATH: survives renames */
static char secret[64];
static char passwd_line[32];    /* the start of /etc/passwd */
static char *baseline;
static bool realproc;           /* a procfs is mounted at share/realproc */
static unsigned leaks;          /* replies that carried what they must not */

struct text {
	char *p;
	size_t len, cap;
};

static void put(struct text *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (t->len + (size_t)n + 1 > t->cap) {
		t->cap = (t->len + (size_t)n + 1) * 2;
		t->p = realloc(t->p, t->cap);
		if (!t->p)
			abort();
	}
	va_start(ap, fmt);
	vsnprintf(t->p + t->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	t->len += (size_t)n;
}

static uint64_t fnv(const void *p, size_t n, uint64_t h)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ ((const unsigned char *)p)[i]) * 0x100000001b3ULL;
	return h;
}

static uint64_t file_hash(int dfd, const char *name)
{
	char buf[4096];
	uint64_t h = 0xcbf29ce484222325ULL;
	ssize_t n;
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		h = fnv(buf, (size_t)n, h);
	close(fd);
	return h;
}

/* Extended attributes, names and values, of path (not followed). */
static uint64_t xattr_hash(const char *path)
{
	char names[4096], val[4096];
	uint64_t h = 0xcbf29ce484222325ULL;
	ssize_t n = llistxattr(path, names, sizeof(names));

	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(names + i) + 1) {
		ssize_t v = lgetxattr(path, names + i, val, sizeof(val));

		h = fnv(names + i, strlen(names + i), h);
		if (v > 0)
			h = fnv(val, (size_t)v, h);
	}
	return h;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void snap_dir(struct text *t, int dfd, const char *rel, bool full);

/*
 * One entry.  Under outside/ everything that could change is recorded;
 * the way down to the share only by name, inode and mode (attacks rename
 * it), and the share itself and run/ by name alone.
 */
static void snap_entry(struct text *t, int dfd, const char *rel,
		       const char *name, bool full)
{
	char path[PATH_MAX + 32], sub[PATH_MAX], target[PATH_MAX];
	struct stat st;
	ssize_t n;

	snprintf(sub, sizeof(sub), "%s/%s", rel, name);
	if (!strcmp(sub, "/a/share") || !strcmp(sub, "/run")) {
		put(t, "%s\n", sub);
		return;
	}
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		put(t, "%s: gone\n", sub);
		return;
	}
	full = full || !strcmp(sub, "/outside");
	put(t, "%s ino %llu mode %o", sub, (unsigned long long)st.st_ino,
	    st.st_mode);
	if (full) {
		snprintf(path, sizeof(path), "%s%s", sentinel, sub);
		put(t, " uid %u gid %u nlink %lu size %lld mtime %lld.%ld "
		    "ctime %lld.%ld xattrs %llx", st.st_uid, st.st_gid,
		    (unsigned long)st.st_nlink, (long long)st.st_size,
		    (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
		    (long long)st.st_ctim.tv_sec, st.st_ctim.tv_nsec,
		    (unsigned long long)xattr_hash(path));
	}
	if (full && S_ISREG(st.st_mode))
		put(t, " data %llx", (unsigned long long)file_hash(dfd, name));
	if (S_ISLNK(st.st_mode) &&
	    (n = readlinkat(dfd, name, target, sizeof(target) - 1)) >= 0)
		put(t, " -> %.*s", (int)n, target);
	put(t, "\n");
	if (S_ISDIR(st.st_mode)) {
		int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
				O_CLOEXEC);

		if (fd >= 0) {
			snap_dir(t, fd, sub, full);
			close(fd);
		}
	}
}

/* Takes fd's listing in name order; does not close fd. */
static void snap_dir(struct text *t, int fd, const char *rel, bool full)
{
	char *names[256];
	size_t n = 0;
	struct dirent *d;
	DIR *dir = fdopendir(dup(fd));

	if (!dir)
		return;
	while ((d = readdir(dir)) && n < 256)
		if (strcmp(d->d_name, ".") && strcmp(d->d_name, ".."))
			names[n++] = strdup(d->d_name);
	closedir(dir);
	qsort(names, n, sizeof(*names), by_name);
	for (size_t i = 0; i < n; i++) {
		snap_entry(t, fd, rel, names[i], full);
		free(names[i]);
	}
}

/* Everything outside the share that an escape could touch. */
static char *snapshot(void)
{
	struct text t = { 0 };
	struct stat st;

	snap_dir(&t, sfd, "", false);
	if (stat("/etc/passwd", &st) == 0)
		put(&t, "/etc/passwd ino %llu mode %o uid %u nlink %lu "
		    "size %lld mtime %lld ctime %lld.%ld data %llx\n",
		    (unsigned long long)st.st_ino, st.st_mode, st.st_uid,
		    (unsigned long)st.st_nlink, (long long)st.st_size,
		    (long long)st.st_mtim.tv_sec, (long long)st.st_ctim.tv_sec,
		    st.st_ctim.tv_nsec,
		    (unsigned long long)file_hash(AT_FDCWD, "/etc/passwd"));
	return t.p;
}

/* ---- the back-ends: one request in, its reply out ---- */

struct target {
	const char *name;
	int (*start)(void);
	struct reply (*send)(uint32_t opcode, uint64_t nodeid,
			     const void *args, size_t len);
	int (*stop)(void);         /* 0: it ended well */
};

static const struct target *tgt;

/* Dispatcher and passthrough driver, over the memory transport. */
static struct fbr_driver drv;
static struct fbr_session *sess;
static struct fbr_memsink sink;

static struct fbr_pt_opts pt_opts(void)
{
	return (struct fbr_pt_opts){ .source = share,
				     .cache = FBR_PT_CACHE_NEVER,
				     .entry_timeout = -1, .attr_timeout = -1,
				     .xattr = true };
}

static int mem_start(void)
{
	struct fbr_pt_opts o = pt_opts();
	struct fbr_session_opts so = { .max_write = PAYLOAD };

	if (fbr_passthrough_new(&o, &drv))
		return -1;
	sess = fbr_session_new(&drv, &so);
	return sess ? 0 : -1;
}

static struct reply mem_send(uint32_t opcode, uint64_t nodeid,
			     const void *args, size_t len)
{
	struct part p = { args, len };

	return pt_callv(sess, &sink, opcode, nodeid, &p, 1);
}

static int mem_stop(void)
{
	fbr_session_free(sess);
	fbr_passthrough_free(&drv);
	return 0;
}

/* The virtio-fs transport, served by this process or by fbr-virtiofsd. */
static struct fbr_virtiofs *vfs;
static pthread_t server;
static int bfd = -1;
static int server_ret;
static char **daemon_argv;
static pid_t daemon_pid;

static int bring_up(int64_t queues)
{
	if (negotiate(queues) || map_memory())
		return -1;
	for (unsigned q = 0; q < NQ; q++) {
		ring_layout(q);
		if (setup_queue(q))
			return -1;
	}
	return 0;
}

static void *serve_thread(void *arg)
{
	(void)arg;
	server_ret = fbr_virtiofs_serve(vfs, bfd);
	return NULL;
}

static int lib_start(void)
{
	struct fbr_pt_opts o = pt_opts();
	struct fbr_session_opts so = { .max_write = FBR_VIRTIOFS_MAX_WRITE,
				       .data_apart = true };
	struct fbr_virtiofs_opts vo = { .request_queues = NQ - 1 };
	int sv[2];

	if (fbr_passthrough_new(&o, &drv) ||
	    !(sess = fbr_session_new(&drv, &so)) ||
	    fbr_virtiofs_new(sess, &vo, &vfs) ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return -1;
	sock = sv[0];
	bfd = sv[1];
	pthread_create(&server, NULL, serve_thread, NULL);
	return bring_up(NQ);
}

/*
 * FORGETs go on the hiprio queue and get no reply; the rest on queue 1.
 * A request left unanswered means the server is gone: the rest are not
 * sent (each would wait its 5 s).
 */
static bool vq_gone;

static struct reply vq_send(uint32_t opcode, uint64_t nodeid,
			    const void *args, size_t len)
{
	uint32_t n = build(opcode, nodeid, args, len, NULL, 0, 0);
	struct reply r = { .error = 1 };
	int64_t used;

	if (vq_gone)
		return r;
	if (opcode == FUSE_FORGET || opcode == FUSE_BATCH_FORGET) {
		struct seg s = { REQ_GPA, n, false };

		submit(0, &s, 1, 0);
		wait_used(0, 5000);
		return r;
	}
	used = simple(n, 65536, 0);
	if (used < 0) {
		diag("%s: no answer to opcode %u: the server is gone",
		     tgt->name, opcode);
		vq_gone = true;
	}
	if (used < (int64_t)sizeof(struct fuse_out_header))
		return r;
	r.error = out_hdr()->error;
	r.data = (const unsigned char *)(out_hdr() + 1);
	r.len = (size_t)used - sizeof(struct fuse_out_header);
	return r;
}

static int lib_stop(void)
{
	close(sock);
	pthread_join(server, NULL);
	close(bfd);
	fbr_virtiofs_free(vfs);
	fbr_session_free(sess);
	fbr_passthrough_free(&drv);
	return server_ret;
}

/* fbr-virtiofsd ARGS... --socket-path run/sock --shared-dir share. */
static int daemon_start(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char **argv;
	int n = 0;

	while (daemon_argv[n])
		n++;
	argv = calloc((size_t)n + 10, sizeof(*argv));
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/run/sock", sentinel);
	memcpy(argv, daemon_argv, (size_t)n * sizeof(*argv));
	argv[n++] = "--socket-path";
	argv[n++] = sa.sun_path;
	argv[n++] = "--shared-dir";
	argv[n++] = share;
	argv[n++] = "--cache";
	argv[n++] = "never";
	argv[n++] = "--xattr";
	unlink(sa.sun_path);
	daemon_pid = fork();
	if (daemon_pid == 0) {
		execv(argv[0], argv);
		_exit(127);
	}
	free(argv);
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	for (int tries = 0; tries < 600; tries++) {
		if (connect(sock, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return bring_up(9); /* hiprio, eight request queues */
		if (waitpid(daemon_pid, NULL, WNOHANG) == daemon_pid)
			return -1; /* it said why on stderr */
		usleep(50 * 1000);
	}
	kill(daemon_pid, SIGKILL);
	waitpid(daemon_pid, NULL, 0);
	return -1;
}

/* The daemon exits by itself once the front-end hangs up. */
static int daemon_stop(void)
{
	int status = -1;

	close(sock);
	for (int tries = 0; tries < 600; tries++) {
		if (waitpid(daemon_pid, &status, WNOHANG) == daemon_pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
		usleep(50 * 1000);
	}
	kill(daemon_pid, SIGKILL);
	waitpid(daemon_pid, &status, 0);
	return -1;
}

static const struct target targets[] = {
	{ "memory", mem_start, mem_send, mem_stop },
	{ "virtio-fs", lib_start, vq_send, lib_stop },
	{ "fbr-virtiofsd", daemon_start, vq_send, daemon_stop },
};

/* ---- requests ---- */

static bool expect(int got, int want, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static bool check(bool cond, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static bool expect(int got, int want, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return is_int(got, want, "%s: %s", tgt->name, what);
}

static bool check(bool cond, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return ok(cond, "%s: %s", tgt->name, what);
}

/* Send the parts as one request; every reply is searched for secrets. */
static struct reply req(uint32_t opcode, uint64_t nodeid,
			const struct part *parts, int n)
{
	static unsigned char buf[16384];
	struct reply r;
	size_t len = 0;

	for (int i = 0; i < n; i++) {
		memcpy(buf + len, parts[i].p, parts[i].len);
		len += parts[i].len;
	}
	r = tgt->send(opcode, nodeid, buf, len);
	if (r.error == 0 && r.len &&
	    (memmem(r.data, r.len, secret, strlen(secret)) ||
	     memmem(r.data, r.len, passwd_line, strlen(passwd_line)))) {
		diag("%s: opcode %u on %llu replied with data from outside",
		     tgt->name, opcode, (unsigned long long)nodeid);
		leaks++;
	}
	return r;
}

static int take(struct reply r, void *out, size_t size)
{
	if (r.error)
		return r.error;
	if (r.len < size)
		return -1000;
	memcpy(out, r.data, size);
	return 0;
}

static int lookup(uint64_t parent, const char *name, struct fuse_entry_out *e)
{
	struct part p[] = { S(name) };

	memset(e, 0, sizeof(*e));
	return take(req(FUSE_LOOKUP, parent, p, 1), e, sizeof(*e));
}

/* The nodeid of name, looked up once; 0 if it is not there. */
static uint64_t node(uint64_t parent, const char *name)
{
	struct fuse_entry_out e;

	return lookup(parent, name, &e) ? 0 : e.nodeid;
}

static void forget(uint64_t nodeid, uint64_t n)
{
	struct fuse_forget_in in = { .nlookup = n };
	struct part p[] = { P(in) };

	if (nodeid)
		req(FUSE_FORGET, nodeid, p, 1);
}

static int getattr(uint64_t nodeid, struct fuse_attr *a)
{
	struct fuse_getattr_in in = { 0 };
	struct fuse_attr_out out;
	struct part p[] = { P(in) };
	int err = take(req(FUSE_GETATTR, nodeid, p, 1), &out, sizeof(out));

	if (!err && a)
		*a = out.attr;
	return err;
}

static int open_(uint32_t opcode, uint64_t nodeid, uint32_t flags,
		 uint64_t *fh)
{
	struct fuse_open_in in = { .flags = flags };
	struct fuse_open_out o;
	struct part p[] = { P(in) };
	int err = take(req(opcode, nodeid, p, 1), &o, sizeof(o));

	*fh = err ? 0 : o.fh;
	return err;
}

static void release(uint32_t opcode, uint64_t nodeid, uint64_t fh)
{
	struct fuse_release_in in = { .fh = fh };
	struct part p[] = { P(in) };

	req(opcode, nodeid, p, 1);
}

/* OPEN, and whatever it gave back, released: the errno. */
static int try_open(uint64_t nodeid, uint32_t flags)
{
	uint64_t fh;
	int err = open_(FUSE_OPEN, nodeid, flags, &fh);

	if (!err)
		release(FUSE_RELEASE, nodeid, fh);
	return err;
}

static int try_opendir(uint64_t nodeid)
{
	uint64_t fh;
	int err = open_(FUSE_OPENDIR, nodeid, O_RDONLY, &fh);

	if (!err)
		release(FUSE_RELEASEDIR, nodeid, fh);
	return err;
}

/* CREATE; on success the handle is released and the lookup given back. */
static int try_create(uint64_t parent, const char *name, uint32_t flags)
{
	struct fuse_create_in in = { .flags = flags, .mode = S_IFREG | 0644 };
	struct part p[] = { P(in), S(name) };
	struct {
		struct fuse_entry_out e;
		struct fuse_open_out o;
	} c;
	int err = take(req(FUSE_CREATE, parent, p, 2), &c, sizeof(c));

	if (!err) {
		release(FUSE_RELEASE, c.e.nodeid, c.o.fh);
		forget(c.e.nodeid, 1);
	}
	return err;
}

/* An entry-making request; the entry's lookup is given back. */
static int entry_req(uint32_t opcode, uint64_t nodeid,
		     const struct part *p, int n, struct fuse_entry_out *e)
{
	struct fuse_entry_out mine;
	int err;

	if (!e)
		e = &mine;
	err = take(req(opcode, nodeid, p, n), e, sizeof(*e));
	if (!err)
		forget(e->nodeid, 1);
	return err;
}

static int mkdir_(uint64_t parent, const char *name)
{
	struct fuse_mkdir_in in = { .mode = 0755 };
	struct part p[] = { P(in), S(name) };

	return entry_req(FUSE_MKDIR, parent, p, 2, NULL);
}

static int mknod_(uint64_t parent, const char *name, uint32_t mode,
		  uint32_t rdev)
{
	struct fuse_mknod_in in = { .mode = mode, .rdev = rdev };
	struct part p[] = { P(in), S(name) };

	return entry_req(FUSE_MKNOD, parent, p, 2, NULL);
}

static int symlink_(uint64_t parent, const char *name, const char *target)
{
	struct part p[] = { S(name), S(target) };

	return entry_req(FUSE_SYMLINK, parent, p, 2, NULL);
}

static int link_(uint64_t nodeid, uint64_t parent, const char *name,
		 struct fuse_entry_out *e)
{
	struct fuse_link_in in = { .oldnodeid = nodeid };
	struct part p[] = { P(in), S(name) };

	return entry_req(FUSE_LINK, parent, p, 2, e);
}

static int rename_(uint64_t od, const char *on, uint64_t nd, const char *nn,
		   uint32_t flags)
{
	struct fuse_rename2_in in = { .newdir = nd, .flags = flags };
	struct part p[] = { P(in), S(on), S(nn) };

	return req(FUSE_RENAME2, od, p, 3).error;
}

static int remove_(uint32_t opcode, uint64_t parent, const char *name)
{
	struct part p[] = { S(name) };

	return req(opcode, parent, p, 1).error;
}

static int setattr(uint64_t nodeid, const struct fuse_setattr_in *in)
{
	struct part p[] = { { in, sizeof(*in) } };

	return req(FUSE_SETATTR, nodeid, p, 1).error;
}

static int setxattr_(uint64_t nodeid, const char *name, const char *value)
{
	/* Protocol 7.38, no FUSE_SETXATTR_EXT: the short form. */
	struct fuse_setxattr_in in = { .size = (uint32_t)strlen(value) };
	struct part p[] = { { &in, FUSE_COMPAT_SETXATTR_IN_SIZE }, S(name),
			    { value, strlen(value) } };

	return req(FUSE_SETXATTR, nodeid, p, 3).error;
}

/* READ of the first bytes of an open file into buf (NUL-ended). */
static int read_(uint64_t nodeid, uint64_t fh, char *buf, size_t size)
{
	struct fuse_read_in in = { .fh = fh, .size = (uint32_t)size - 1 };
	struct part p[] = { P(in) };
	struct reply r = req(FUSE_READ, nodeid, p, 1);

	if (r.error)
		return r.error;
	memcpy(buf, r.data, r.len);
	buf[r.len] = '\0';
	return (int)r.len;
}

static int readlink_(uint64_t nodeid, char *buf, size_t size)
{
	struct reply r = req(FUSE_READLINK, nodeid, NULL, 0);

	buf[0] = '\0';
	if (r.error)
		return r.error;
	snprintf(buf, size, "%.*s", (int)r.len, r.data);
	return 0;
}

/* Whether the share's name (not followed) has the extended attribute. */
static bool host_xattr(const char *name, const char *attr)
{
	char path[PATH_MAX + 256];

	snprintf(path, sizeof(path), "%s/%s", share, name);
	return lgetxattr(path, attr, NULL, 0) >= 0;
}

static bool host_exists(const char *name)
{
	struct stat st;

	return fstatat(shfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* After each attack: nothing outside the share changed, nothing leaked. */
static void contained(const char *attack)
{
	char *now = snapshot();
	bool same = !strcmp(now, baseline);

	check(same && !leaks, "%s: nothing outside the share changed, "
	      "nothing from outside replied", attack);
	if (!same)
		diag("outside now:\n%s\nbefore:\n%s", now, baseline);
	leaks = 0;
	free(now);
}

/* ---- the attacks ---- */

static const char *const bad_names[] = {
	"..", ".", "../escape", "../../escape", "/tmp/escape", "x/y",
	"sub/../../escape", NULL,
};

static void attack_dotdot(void)
{
	struct fuse_entry_out e;
	uint64_t sub = node(FUSE_ROOT_ID, "sub");
	uint64_t deeper = node(sub, "deeper");

	check(lookup(FUSE_ROOT_ID, "..", &e) == 0 && e.nodeid == FUSE_ROOT_ID,
	      "LOOKUP '..' of the root is the root");
	check(lookup(FUSE_ROOT_ID, ".", &e) == 0 && e.nodeid == FUSE_ROOT_ID,
	      "LOOKUP '.' of the root is the root");
	check(lookup(sub, "..", &e) == 0 && e.nodeid == FUSE_ROOT_ID,
	      "LOOKUP '..' of sub is the root");
	check(lookup(deeper, "..", &e) == 0 && e.nodeid == sub,
	      "LOOKUP '..' of sub/deeper is sub");
	for (const char *const *n = bad_names + 2; *n; n++)
		expect(lookup(FUSE_ROOT_ID, *n, &e), -EINVAL, "LOOKUP '%s': EINVAL", *n);
	expect(lookup(sub, "../..", &e), -EINVAL, "LOOKUP '../..' of sub: EINVAL");
	expect(lookup(FUSE_ROOT_ID, "/", &e), -EINVAL, "LOOKUP '/': EINVAL");
	expect(lookup(FUSE_ROOT_ID, "/etc/passwd", &e), -EINVAL,
	       "LOOKUP '/etc/passwd': EINVAL");
	forget(deeper, 1);
	forget(sub, 2); /* its own, and as deeper's '..' */
	contained("'..' and '/' looked up");
}

/* Every operation that names an entry, with each bad name. */
static void attack_bad_names(void)
{
	uint64_t file = node(FUSE_ROOT_ID, "file");

	for (const char *const *n = bad_names; *n; n++) {
		const char *b = *n;

		expect(mkdir_(FUSE_ROOT_ID, b), -EINVAL, "MKDIR '%s': EINVAL", b);
		expect(mknod_(FUSE_ROOT_ID, b, S_IFREG | 0644, 0), -EINVAL,
		       "MKNOD '%s': EINVAL", b);
		expect(try_create(FUSE_ROOT_ID, b, O_RDWR | O_CREAT), -EINVAL,
		       "CREATE '%s': EINVAL", b);
		expect(symlink_(FUSE_ROOT_ID, b, "file"), -EINVAL,
		       "SYMLINK named '%s': EINVAL", b);
		expect(link_(file, FUSE_ROOT_ID, b, NULL), -EINVAL,
		       "LINK to '%s': EINVAL", b);
		expect(rename_(FUSE_ROOT_ID, "file", FUSE_ROOT_ID, b, 0), -EINVAL,
		       "RENAME 'file' to '%s': EINVAL", b);
		expect(rename_(FUSE_ROOT_ID, b, FUSE_ROOT_ID, "x", 0), -EINVAL,
		       "RENAME '%s' to 'x': EINVAL", b);
		expect(rename_(FUSE_ROOT_ID, "sub", FUSE_ROOT_ID, b,
			       RENAME_EXCHANGE), -EINVAL,
		       "RENAME2 EXCHANGE of 'sub' and '%s': EINVAL", b);
		expect(remove_(FUSE_UNLINK, FUSE_ROOT_ID, b), -EINVAL,
		       "UNLINK '%s': EINVAL", b);
		expect(remove_(FUSE_RMDIR, FUSE_ROOT_ID, b), -EINVAL,
		       "RMDIR '%s': EINVAL", b);
	}
	forget(file, 1);
	check(host_exists("file") && host_exists("sub"),
	      "the entries named stay where they were");
	contained("'..', '.' and '/' in names that create, link, move, remove");
}

/* Names the parser must refuse: NULs inside, none at the end, too long. */
static void attack_malformed_names(void)
{
	struct fuse_mkdir_in mk = { .mode = 0755 };
	struct fuse_rename_in rn = { .newdir = FUSE_ROOT_ID };
	char longname[5000];
	struct fuse_entry_out e;
	struct part inner[] = { { "file\0../../outside/secret", 26 } };
	struct part unended[] = { { "file", 4 } };
	struct part empty[] = { { "", 1 } };
	struct part mkinner[] = { P(mk), { "x\0/../../y", 11 } };
	struct part onename[] = { P(rn), S("file") };
	struct part notarget[] = { S("lnk") };

	expect(req(FUSE_LOOKUP, FUSE_ROOT_ID, inner, 1).error, -EINVAL,
	       "LOOKUP 'file\\0../../outside/secret': EINVAL");
	expect(req(FUSE_LOOKUP, FUSE_ROOT_ID, unended, 1).error, -EINVAL,
	       "LOOKUP of a name with no NUL: EINVAL");
	expect(req(FUSE_LOOKUP, FUSE_ROOT_ID, empty, 1).error, -EINVAL,
	       "LOOKUP of an empty name: EINVAL");
	expect(req(FUSE_MKDIR, FUSE_ROOT_ID, mkinner, 2).error, -EINVAL,
	       "MKDIR 'x\\0/../../y': EINVAL");
	expect(req(FUSE_RENAME, FUSE_ROOT_ID, onename, 2).error, -EINVAL,
	       "RENAME with one name: EINVAL");
	expect(req(FUSE_SYMLINK, FUSE_ROOT_ID, notarget, 1).error, -EINVAL,
	       "SYMLINK with no target: EINVAL");
	memset(longname, 'a', sizeof(longname));
	longname[256] = '\0';
	expect(lookup(FUSE_ROOT_ID, longname, &e), -ENAMETOOLONG,
	       "LOOKUP of 256 bytes: ENAMETOOLONG");
	expect(mkdir_(FUSE_ROOT_ID, longname), -ENAMETOOLONG,
	       "MKDIR of 256 bytes: ENAMETOOLONG");
	longname[256] = 'a';
	longname[sizeof(longname) - 1] = '\0';
	expect(lookup(FUSE_ROOT_ID, longname, &e), -ENAMETOOLONG,
	       "LOOKUP of 4999 bytes: ENAMETOOLONG");
	expect(try_create(FUSE_ROOT_ID, longname, O_RDWR | O_CREAT),
	       -ENAMETOOLONG, "CREATE of 4999 bytes: ENAMETOOLONG");
	expect(symlink_(FUSE_ROOT_ID, "lnk", longname), -ENAMETOOLONG,
	       "SYMLINK to 4999 bytes: ENAMETOOLONG");
	contained("malformed and over-long names");
}

static void attack_nodeids(void)
{
	struct fuse_setattr_in sa = { .valid = FATTR_MODE, .mode = 0777 };
	struct fuse_entry_out e;
	uint64_t file;
	char buf[64];

	expect(getattr(0, NULL), -ESTALE, "GETATTR of nodeid 0: ESTALE");
	expect(getattr(UNKNOWN, NULL), -ESTALE, "GETATTR of an unknown nodeid: ESTALE");
	expect(lookup(UNKNOWN, "file", &e), -ESTALE, "LOOKUP in an unknown nodeid: ESTALE");
	expect(lookup(0, "file", &e), -ESTALE, "LOOKUP in nodeid 0: ESTALE");
	expect(try_open(UNKNOWN, O_RDONLY), -ESTALE, "OPEN of an unknown nodeid: ESTALE");
	expect(try_opendir(UNKNOWN), -ESTALE, "OPENDIR of an unknown nodeid: ESTALE");
	expect(mkdir_(UNKNOWN, "x"), -ESTALE, "MKDIR in an unknown nodeid: ESTALE");
	expect(setattr(UNKNOWN, &sa), -ESTALE, "SETATTR of an unknown nodeid: ESTALE");
	expect(setxattr_(UNKNOWN, "user.fbr", "x"), -ESTALE,
	       "SETXATTR of an unknown nodeid: ESTALE");
	expect(link_(UNKNOWN, FUSE_ROOT_ID, "hl", NULL), -ESTALE,
	       "LINK of an unknown nodeid: ESTALE");
	expect(link_(0, FUSE_ROOT_ID, "hl", NULL), -ESTALE,
	       "LINK of nodeid 0: ESTALE");
	file = node(FUSE_ROOT_ID, "file");
	forget(file, 1);
	expect(getattr(file, NULL), -ESTALE, "GETATTR of a forgotten nodeid: ESTALE");
	expect(link_(file, FUSE_ROOT_ID, "hl", NULL), -ESTALE,
	       "LINK of a forgotten nodeid: ESTALE");
	expect(try_open(file, O_RDONLY), -ESTALE, "OPEN of a forgotten nodeid: ESTALE");
	expect(read_(file, 12345, buf, sizeof(buf)), -EBADF,
	       "READ with a made-up handle: EBADF");
	forget(FUSE_ROOT_ID, 1000);
	expect(getattr(FUSE_ROOT_ID, NULL), 0, "FORGET of the root: it stays");
	{
		struct fuse_batch_forget_in bi = { .count = 3 };
		struct fuse_forget_one one[3] = {
			{ FUSE_ROOT_ID, 1000 }, { UNKNOWN, 5 }, { 0, 1 },
		};
		struct part p[] = { P(bi), P(one) };

		req(FUSE_BATCH_FORGET, 0, p, 2);
		expect(getattr(FUSE_ROOT_ID, NULL), 0, "BATCH_FORGET of the "
		       "root, an unknown nodeid and 0: the root stays");
	}
	check(!host_exists("hl"), "no link was made");
	contained("nodeids 0, unknown and forgotten");
}

static void attack_symlinks(void)
{
	struct fuse_setattr_in sa = { .valid = FATTR_SIZE };
	struct fuse_entry_out e, l;
	uint64_t lp, lo, ld;
	char buf[PATH_MAX];
	int err;

	check(lookup(FUSE_ROOT_ID, "ln-passwd", &e) == 0 &&
	      S_ISLNK(e.attr.mode) && e.attr.size == strlen("/etc/passwd"),
	      "LOOKUP of a symlink to /etc/passwd: the link itself");
	lp = e.nodeid;
	lo = node(FUSE_ROOT_ID, "ln-out");
	ld = node(FUSE_ROOT_ID, "ln-outdir");
	check(readlink_(lp, buf, sizeof(buf)) == 0 && !strcmp(buf, "/etc/passwd"),
	      "READLINK: the target as text, for the client to follow");
	expect(try_open(lp, O_RDONLY), -ELOOP, "OPEN of it: ELOOP");
	expect(try_open(lo, O_RDWR | O_TRUNC), -ELOOP,
	       "OPEN O_RDWR|O_TRUNC of a symlink to ../../outside/secret: ELOOP");
	expect(try_open(lo, O_WRONLY | O_APPEND), -ELOOP, "OPEN O_APPEND: ELOOP");
	expect(try_opendir(ld), -ENOTDIR, "OPENDIR of a symlink to ../../outside: ENOTDIR");
	expect(lookup(ld, "secret", &l), -ENOTDIR, "LOOKUP through it: ENOTDIR");
	expect(lookup(ld, "..", &l), -ENOTDIR, "LOOKUP '..' of it: ENOTDIR");
	expect(mkdir_(ld, "x"), -ENOTDIR, "MKDIR in it: ENOTDIR");
	expect(try_create(ld, "x", O_RDWR | O_CREAT), -ENOTDIR, "CREATE in it: ENOTDIR");
	expect(try_create(FUSE_ROOT_ID, "ln-dangling", O_RDWR | O_CREAT), -ELOOP,
	       "CREATE over a symlink to a missing ../../outside/created: ELOOP");
	expect(try_create(FUSE_ROOT_ID, "ln-out", O_WRONLY | O_CREAT | O_TRUNC),
	       -ELOOP, "CREATE O_TRUNC over a symlink to the secret: ELOOP");
	expect(try_create(FUSE_ROOT_ID, "ln-abs", O_RDWR | O_CREAT | O_EXCL),
	       -EEXIST, "CREATE O_EXCL over an absolute symlink: EEXIST");
	expect(setattr(lo, &sa), -ELOOP, "SETATTR size of the symlink: ELOOP");
	sa = (struct fuse_setattr_in){ .valid = FATTR_MODE, .mode = 0777 };
	err = setattr(lo, &sa);
	check(err == 0 || err == -EOPNOTSUPP,
	      "SETATTR mode: on the link if anything (%d)", err);
	sa = (struct fuse_setattr_in){ .valid = FATTR_UID | FATTR_GID,
				       .uid = 1000, .gid = 1000 };
	expect(setattr(lo, &sa), 0, "SETATTR owner: the link's");
	sa = (struct fuse_setattr_in){ .valid = FATTR_ATIME | FATTR_MTIME,
				       .atime = 1, .mtime = 1 };
	expect(setattr(lo, &sa), 0, "SETATTR times: the link's");
	expect(setxattr_(lo, "user.fbr", "x"), -EPERM,
	       "SETXATTR user.* on the symlink: EPERM");
	err = setxattr_(lo, "trusted.fbr", "x");
	check(err == 0 ? host_xattr("ln-out", "trusted.fbr") : err == -EPERM,
	      "SETXATTR trusted.*: on the link, or EPERM without "
	      "CAP_SYS_ADMIN (%d)", err);
	{
		struct fuse_getxattr_in gi = { .size = 256 };
		struct part p[] = { P(gi), S("user.fbr") };

		expect(req(FUSE_GETXATTR, lo, p, 2).error, -ENODATA,
		       "GETXATTR of the target's user.fbr through the link: ENODATA");
	}
	forget(lp, 1);
	forget(lo, 1);
	forget(ld, 1);
	contained("symlinks out of the share");
}

/* Symlinks made by the client, and links of symlinks. */
static void attack_links(void)
{
	struct fuse_entry_out e;
	uint64_t lp, mine;
	struct stat a, b;
	int err;

	expect(symlink_(FUSE_ROOT_ID, "mine", "../../outside/secret"), 0,
	       "SYMLINK 'mine' -> ../../outside/secret: made (text only)");
	mine = node(FUSE_ROOT_ID, "mine");
	expect(try_open(mine, O_RDONLY), -ELOOP, "OPEN of it: ELOOP");
	forget(mine, 1);
	lp = node(FUSE_ROOT_ID, "ln-passwd");
	err = link_(lp, FUSE_ROOT_ID, "hl-passwd", &e);
	check((err == 0 && S_ISLNK(e.attr.mode)) || err == -EXDEV,
	      "LINK of the symlink to /etc/passwd: the link or EXDEV, never "
	      "its target (%d)", err);
	check(err || (fstatat(shfd, "hl-passwd", &a, AT_SYMLINK_NOFOLLOW) == 0 &&
		      fstatat(shfd, "ln-passwd", &b, AT_SYMLINK_NOFOLLOW) == 0 &&
		      a.st_ino == b.st_ino), "a new link is the symlink's inode");
	forget(lp, 1);
	expect(link_(FUSE_ROOT_ID, FUSE_ROOT_ID, "rootlink", NULL), -EPERM,
	       "LINK of the root directory: EPERM");
	expect(remove_(FUSE_UNLINK, FUSE_ROOT_ID, "ln-out"), 0,
	       "UNLINK of the symlink to the secret: the link goes");
	check(symlinkat("../../outside/secret", shfd, "ln-out") == 0,
	      "(host) the symlink again");
	contained("symlinks made, linked and removed");
}

/*
 * Device nodes: a guest that may mknod (fbr-virtiofsd keeps CAP_MKNOD, as
 * virtiofsd does) could make one for any host device; the server must
 * not open it.
 */
static void attack_devices(void)
{
	struct fuse_setattr_in sa = { .valid = FATTR_SIZE };
	struct fuse_attr a;
	uint64_t zero, host, fh;
	char buf[64];
	int err;

	err = mknod_(FUSE_ROOT_ID, "zero", S_IFCHR | 0666, makedev(1, 5));
	expect(err, 0, "MKNOD of a node for /dev/zero");
	zero = node(FUSE_ROOT_ID, "zero");
	check(getattr(zero, &a) == 0 && S_ISCHR(a.mode) &&
	      a.rdev == makedev(1, 5), "GETATTR: the node itself");
	err = open_(FUSE_OPEN, zero, O_RDONLY, &fh);
	expect(err, -EACCES, "OPEN of it: EACCES, not the host's /dev/zero");
	if (!err) {
		diag("READ of the host's device gave %d bytes",
		     read_(zero, fh, buf, sizeof(buf)));
		release(FUSE_RELEASE, zero, fh);
	}
	expect(setattr(zero, &sa), -EACCES, "SETATTR size of it: EACCES");
	expect(try_create(FUSE_ROOT_ID, "zero", O_RDONLY | O_CREAT), -EACCES,
	       "CREATE over it: EACCES");
	expect(try_create(FUSE_ROOT_ID, "zero", O_RDONLY | O_CREAT | O_EXCL),
	       -EEXIST, "CREATE O_EXCL over it: EEXIST");
	expect(mknod_(FUSE_ROOT_ID, "blk", S_IFBLK | 0600, makedev(7, 0)), 0,
	       "MKNOD of a block device node");
	host = node(FUSE_ROOT_ID, "blk");
	expect(try_open(host, O_RDWR), -EACCES, "OPEN of it: EACCES");
	forget(host, 1);
	forget(zero, 1);
	host = node(FUSE_ROOT_ID, "null-host");
	expect(try_open(host, O_RDWR), -EACCES,
	       "OPEN of a node the host made for /dev/null: EACCES");
	forget(host, 1);
	contained("device nodes");
}

/* A real procfs inside the share: its magic links are never followed. */
static void attack_realproc(void)
{
	struct fuse_entry_out e;
	uint64_t rp, self, one, root;
	char buf[PATH_MAX];
	int err;

	rp = node(FUSE_ROOT_ID, "realproc");
	check(lookup(rp, "self", &e) == 0 && S_ISLNK(e.attr.mode),
	      "LOOKUP of realproc/self: a symlink");
	self = e.nodeid;
	expect(lookup(self, "status", &e), -ENOTDIR,
	       "LOOKUP through it: ENOTDIR");
	forget(self, 1);
	one = node(rp, "1");
	check(lookup(one, "root", &e) == 0 && S_ISLNK(e.attr.mode),
	      "LOOKUP of realproc/1/root: the magic link itself");
	root = e.nodeid;
	expect(try_open(root, O_RDONLY), -ELOOP, "OPEN of it: ELOOP");
	expect(try_opendir(root), -ENOTDIR, "OPENDIR of it: ENOTDIR");
	expect(lookup(root, "etc", &e), -ENOTDIR, "LOOKUP through it: ENOTDIR");
	err = readlink_(root, buf, sizeof(buf));
	check(err == 0 ? !strcmp(buf, "/") : err == -EACCES,
	      "READLINK: '/' as text, or EACCES without ptrace rights (%d)",
	      err);
	check(link_(root, FUSE_ROOT_ID, "hl-root", NULL) < 0,
	      "LINK of it: refused");
	forget(root, 1);
	forget(one, 1);
	forget(rp, 1);
}

/* Names like proc and self are the share's, never the server's /proc. */
static void attack_proc(void)
{
	struct fuse_entry_out e;
	uint64_t p, s, st, fh;
	struct stat hs;
	char buf[64] = "";

	p = node(FUSE_ROOT_ID, "proc");
	check(lookup(p, "self", &e) == 0 && S_ISDIR(e.attr.mode) &&
	      fstatat(shfd, "proc/self", &hs, 0) == 0 && e.attr.ino == hs.st_ino,
	      "LOOKUP of proc/self: the share's own directory");
	s = e.nodeid;
	st = node(s, "status");
	if (open_(FUSE_OPEN, st, O_RDONLY, &fh) == 0) {
		read_(st, fh, buf, sizeof(buf));
		release(FUSE_RELEASE, st, fh);
	}
	check(!strcmp(buf, "inside-proc\n"), "READ of proc/self/status: the "
	      "share's file ('%.11s')", buf);
	expect(lookup(FUSE_ROOT_ID, "self", &e), -ENOENT,
	       "LOOKUP of 'self' at the root: ENOENT");
	forget(st, 1);
	forget(s, 1);
	forget(p, 1);
	if (realproc)
		attack_realproc();
	else
		skip("no procfs in the share (not root?)", "magic links");
	contained("/proc names");
}

/*
 * A symlink raced in: on the host, "race" is swapped over and over
 * between a directory and a symlink to ../../outside while requests go
 * through whatever the name is at that moment.  Each reaches the
 * directory, or finds a symlink and stops there.
 */
static atomic_bool racing;

static void *swapper(void *arg)
{
	(void)arg;
	while (atomic_load(&racing))
		renameat2(shfd, "race", shfd, "race-swap", RENAME_EXCHANGE);
	return NULL;
}

static void attack_race(void)
{
	struct fuse_entry_out e;
	pthread_t th;
	unsigned bad = 0, dirs = 0, links = 0;

	mkdirat(shfd, "race", 0755);
	symlinkat("../../outside", shfd, "race-swap");
	atomic_store(&racing, true);
	pthread_create(&th, NULL, swapper, NULL);
	for (int i = 0; i < 1000; i++) {
		uint64_t n = node(FUSE_ROOT_ID, i % 2 ? "race" : "race-swap");
		int l = lookup(n, "secret", &e), c;

		if (!l)
			forget(e.nodeid, 1);
		c = try_create(n, "planted", O_RDWR | O_CREAT);
		dirs += c == 0;
		links += c == -ENOTDIR;
		bad += !(l == -ENOENT || l == -ENOTDIR) ||
		       !(c == 0 || c == -ENOTDIR);
		forget(n, 1);
	}
	atomic_store(&racing, false);
	pthread_join(th, NULL);
	check(bad == 0, "1000 LOOKUPs and CREATEs through a name swapped "
	      "between a directory and a symlink out: each found the "
	      "directory (%u) or stopped at the symlink (%u)", dirs, links);
	contained("a symlink raced in");
}

/* Entries of the root's listing: '..' must be the root itself. */
static void attack_readdir(void)
{
	struct fuse_read_in in = { .size = 4096 };
	struct part p[] = { P(in) };
	struct fuse_attr ra;
	struct reply r;
	bool dotdot = false, outside = false;
	uint64_t fh;

	getattr(FUSE_ROOT_ID, &ra);
	open_(FUSE_OPENDIR, FUSE_ROOT_ID, O_RDONLY, &in.fh);
	fh = in.fh;
	r = req(FUSE_READDIR, FUSE_ROOT_ID, p, 1);
	for (size_t off = 0; !r.error && off + FUSE_NAME_OFFSET <= r.len;) {
		struct fuse_dirent d;
		const char *name = (const char *)r.data + off + FUSE_NAME_OFFSET;

		memcpy(&d, r.data + off, sizeof(d));
		if (d.namelen == 2 && !memcmp(name, "..", 2))
			dotdot = d.ino == ra.ino;
		if (d.namelen == 7 && !memcmp(name, "outside", 7))
			outside = true;
		off += (FUSE_NAME_OFFSET + d.namelen + 7) & ~7UL;
	}
	check(dotdot && !outside, "READDIR of the root: its '..' is the "
	      "root, nothing of the sentinel listed");
	release(FUSE_RELEASEDIR, FUSE_ROOT_ID, fh);
	contained("the root's listing");
}

/* The share's parent, and the share, renamed on the host while served. */
static void attack_parent_rename(void)
{
	struct fuse_entry_out e;
	struct fuse_attr before, after;
	uint64_t sub = node(FUSE_ROOT_ID, "sub");
	uint64_t deeper = node(sub, "deeper");
	uint64_t file;

	getattr(FUSE_ROOT_ID, &before);
	check(renameat(sfd, "a", sfd, "a.moved") == 0,
	      "(host) the share's parent renamed");
	check(lookup(FUSE_ROOT_ID, "..", &e) == 0 && e.nodeid == FUSE_ROOT_ID,
	      "LOOKUP '..' of the root: still the root");
	check(lookup(sub, "..", &e) == 0 && e.nodeid == FUSE_ROOT_ID,
	      "LOOKUP '..' of sub: the root");
	check(lookup(deeper, "..", &e) == 0 && e.nodeid == sub,
	      "LOOKUP '..' of sub/deeper: sub");
	check(getattr(FUSE_ROOT_ID, &after) == 0 && after.ino == before.ino,
	      "the root is the same directory");
	expect(mkdir_(FUSE_ROOT_ID, "made-after-move"), 0, "MKDIR at the root");
	check(host_exists("made-after-move"), "...lands in the share, moved with it");
	check(renameat(sfd, "a.moved/share", sfd, "a.moved/share2") == 0,
	      "(host) the share renamed too");
	file = node(FUSE_ROOT_ID, "file");
	check(lookup(sub, "..", &e) == 0 && e.nodeid == FUSE_ROOT_ID &&
	      file != 0, "still served");
	forget(file, 1);
	check(renameat(sfd, "a.moved/share2", sfd, "a.moved/share") == 0 &&
	      renameat(sfd, "a.moved", sfd, "a") == 0, "(host) both back");
	forget(deeper, 1);
	forget(sub, 2);
	contained("the share's parent renamed");
}

/* ---- the tree ---- */

static int remove_one(const char *path, const struct stat *st, int type,
		      struct FTW *ftw)
{
	(void)st;
	if (ftw->level == 0)
		return 0;
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

static void write_file(int dfd, const char *name, const char *data, mode_t mode)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	if (fd < 0 || write(fd, data, strlen(data)) != (ssize_t)strlen(data))
		abort();
	close(fd);
}

/* The share afresh for each back-end, a procfs in it when we may. */
static void populate(void)
{
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/realproc", share);
	if (realproc)
		umount2(path, MNT_DETACH);
	nftw(share, remove_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	write_file(shfd, "file", "inside\n", 0644);
	mkdirat(shfd, "sub", 0755);
	mkdirat(shfd, "sub/deeper", 0755);
	mkdirat(shfd, "proc", 0755);
	mkdirat(shfd, "proc/self", 0755);
	write_file(shfd, "proc/self/status", "inside-proc\n", 0644);
	symlinkat("/etc/passwd", shfd, "ln-passwd");
	symlinkat("../../outside/secret", shfd, "ln-out");
	symlinkat("../../outside", shfd, "ln-outdir");
	symlinkat("../../outside/created", shfd, "ln-dangling");
	snprintf(path, sizeof(path), "%s/outside/secret", sentinel);
	symlinkat(path, shfd, "ln-abs");
	mknodat(shfd, "null-host", S_IFCHR | 0666, makedev(1, 3));
	mkdirat(shfd, "realproc", 0755);
	snprintf(path, sizeof(path), "%s/realproc", share);
	realproc = mount("proc", path, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
			 NULL) == 0;
}

static void make_sentinel(void)
{
	char path[PATH_MAX];
	int ofd;
	FILE *f;

	if (!mkdtemp(sentinel))
		skip_all("mkdtemp failed");
	sfd = open(sentinel, O_PATH | O_DIRECTORY | O_CLOEXEC);
	mkdirat(sfd, "outside", 0755);
	mkdirat(sfd, "outside/dir", 0755);
	mkdirat(sfd, "a", 0755);
	mkdirat(sfd, "a/share", 0755);
	mkdirat(sfd, "run", 0755);
	snprintf(secret, sizeof(secret), "fbr-secret-%d-%ld", getpid(),
		 (long)time(NULL));
	ofd = openat(sfd, "outside", O_PATH | O_DIRECTORY | O_CLOEXEC);
	write_file(ofd, "secret", secret, 0640);
	write_file(ofd, "dir/inner", secret, 0644);
	close(ofd);
	snprintf(path, sizeof(path), "%s/outside/secret", sentinel);
	setxattr(path, "user.fbr", secret, strlen(secret), 0);
	snprintf(share, sizeof(share), "%s/a/share", sentinel);
	shfd = open(share, O_PATH | O_DIRECTORY | O_CLOEXEC);
	f = fopen("/etc/passwd", "r");
	if (!f || !fgets(passwd_line, sizeof(passwd_line), f))
		skip_all("cannot read /etc/passwd");
	fclose(f);
	passwd_line[strcspn(passwd_line, "\n")] = '\0';
}

/*
 * Mounts made here (the procfs in the share) stay in a mount namespace
 * of our own, so they go when we do, whatever happens.
 */
static void own_mounts(void)
{
	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		diag("no mount namespace of our own: no procfs in the share");
}

static void init_session(void)
{
	struct fuse_init_in in = { .major = FUSE_KERNEL_VERSION, .minor = 38,
				   .max_readahead = 65536,
				   .flags = FUSE_INIT_EXT | FUSE_EXPORT_SUPPORT };
	struct part p[] = { P(in) };

	expect(req(FUSE_INIT, 0, p, 1).error, 0, "INIT");
}

static void run(const struct target *t)
{
	tgt = t;
	vq_gone = false;
	populate();
	if (t->start()) {
		ok(false, "%s: started", t->name);
		return;
	}
	init_session();
	attack_dotdot();
	attack_bad_names();
	attack_malformed_names();
	attack_nodeids();
	attack_symlinks();
	attack_links();
	attack_devices();
	attack_proc();
	attack_race();
	attack_readdir();
	attack_parent_rename();
	expect(t->stop(), 0, "the server ends well");
}

int main(int argc, char **argv)
{
	if (geteuid() != 0)
		skip_all("the attacks need root: mknod, chown and trusted.* "
			 "of links, a procfs in the share");
	/* Serving extended attributes moves the thread's working
	   directory (see xattr.c): the daemon by its full path. */
	if (argc > 1 && !(argv[1] = realpath(argv[1], NULL)))
		skip_all("no such fbr-virtiofsd");
	own_mounts();
	make_sentinel();
	if (fbr_memsink_init(&sink, PAYLOAD) || guest_memory())
		skip_all("no memory sink or guest memory");
	populate();
	baseline = snapshot();
	run(&targets[0]);
	run(&targets[1]);
	if (argc > 1) {
		daemon_argv = argv + 1;
		run(&targets[2]);
	}
	if (realproc) {
		char path[PATH_MAX + 16];

		snprintf(path, sizeof(path), "%s/realproc", share);
		umount2(path, MNT_DETACH);
	}
	nftw(sentinel, remove_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	rmdir(sentinel);
	fbr_memsink_release(&sink);
	free(baseline);
	return done_testing();
}
