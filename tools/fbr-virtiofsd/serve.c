/*
 * Serving, in the order the sandbox needs: check the shared directory,
 * wait for the one front-end (socket.c), enter the namespaces
 * (sandbox.c), open the shared directory through the passthrough driver,
 * then take every other path, capability and system call away, and serve
 * the front-end until it hangs up.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "fbr-virtiofsd.h"
#include "drivers/vfs/vfs.h"
#include "fbr/virtiofs.h"
#include "trace/trace.h"

/* Request queues offered; the front-end starts as many as it was told. */
#define REQUEST_QUEUES 8

/* Connect to /dev/log and read the time zone now: neither file is
   there once the shared directory is our root. */
static void start_syslog(void)
{
	cli_syslog();
	openlog("fbr-virtiofsd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	tzset();
}

/* --rlimit-nofile n: n for the soft and the hard limit.  Above a hard
   limit we may not raise, keep that one and say so. */
static void limit_nofile(unsigned long n)
{
	struct rlimit rl = { n, n };
	int err;

	if (!n || setrlimit(RLIMIT_NOFILE, &rl) == 0)
		return;
	err = errno;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	fbr_log(FBR_LOG_WARN, "main", "--rlimit-nofile %lu: above the hard "
		"limit, which cannot be raised (%s): keeping %llu", n,
		strerror(err), (unsigned long long)rl.rlim_max);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
}

static void warn_unsupported(const struct args *a)
{
	if (a->announce_submounts)
		fbr_log(FBR_LOG_WARN, "main", "--announce-submounts: the "
			"passthrough driver does not mark submounts; the guest "
			"sees one filesystem (its inode numbers stay unique)");
}

/* Whether the filesystem of dir gives file handles we can open. */
static bool handles_work(int dir)
{
	union {
		struct file_handle fh;
		char bytes[sizeof(struct file_handle) + MAX_HANDLE_SZ];
	} h = { .fh.handle_bytes = MAX_HANDLE_SZ };
	int mnt, fd;

	if (name_to_handle_at(dir, "", &h.fh, &mnt, AT_EMPTY_PATH) < 0)
		return false;
	fd = open_by_handle_at(dir, &h.fh, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* pivot_root cannot stack the root on itself: it has no mount point. */
static bool is_root(int dir)
{
	struct stat d, r;

	return !fstat(dir, &d) && !stat("/", &r) && d.st_dev == r.st_dev &&
	       d.st_ino == r.st_ino;
}

/* Fail now, not once a front-end has come, for a directory we cannot
   share the way we were told to. */
static int check_dir(const struct args *a, const char *dir, const char *path)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int ret = -1;

	if (fd < 0 && path)
		errmsg("--mount %s=%s: %s", path, dir, strerror(errno));
	else if (fd < 0)
		errmsg("%s: %s", dir, strerror(errno));
	else if (a->handles == HANDLES_MANDATORY && !handles_work(fd))
		errmsg("--inode-file-handles=mandatory: %s gives no file handles "
		       "we can open: %s", dir, strerror(errno));
	else if (a->sandbox == SANDBOX_NAMESPACE && is_root(fd))
		errmsg("%s is the root already: --sandbox namespace cannot "
		       "pivot into it (--sandbox none can share it)", dir);
	else
		ret = 0;
	if (fd >= 0)
		close(fd);
	return ret;
}

static int check_source(const struct args *a)
{
	if (!a->mounts.n)
		return check_dir(a, a->pt.source, NULL);
	for (size_t i = 0; i < a->mounts.n; i++)
		if (check_dir(a, a->mounts.sources[i], a->mounts.paths[i]))
			return -1;
	return 0;
}

static int serve(struct fbr_session *s, struct fbr_trace *t, int conn)
{
	struct fbr_virtiofs_opts vo = { .request_queues = REQUEST_QUEUES,
					.trace = t };
	struct fbr_virtiofs *f;
	int err = fbr_virtiofs_new(s, &vo, &f);

	if (err) {
		errmsg("cannot set up the device: %s", strerror(-err));
		return EXIT_FAIL;
	}
	err = fbr_virtiofs_serve(f, conn);
	if (err)
		errmsg("front-end connection: %s", strerror(-err));
	fbr_virtiofs_free(f);
	return err ? EXIT_FAIL : EXIT_OK;
}

/* Everything is open: nothing more to reach, hold or call. */
static int lockdown(const struct args *a)
{
	return sandbox_confine(a) || caps_limit(a) || seccomp_apply(a) ? -1 : 0;
}

static int with_session(const struct args *a, struct fbr_driver *drv,
			int conn)
{
	struct fbr_session_opts so = { .max_write = FBR_VIRTIOFS_MAX_WRITE,
				       .data_apart = true };
	struct fbr_trace *t = NULL;
	struct fbr_session *s;
	int err, ret;

	s = fbr_session_new(drv, &so);
	if (!s) {
		errmsg("cannot start a session: %s", strerror(errno));
		return EXIT_FAIL;
	}
	if (a->trace_file) {
		err = fbr_trace_create(a->trace_file, FBR_TRACE_VIRTIO, 0,
				       "fbr-virtiofsd", &t);
		if (err) {
			errmsg("%s: %s", a->trace_file, strerror(-err));
			fbr_session_free(s);
			return EXIT_FAIL;
		}
	}
	ret = lockdown(a) ? EXIT_FAIL : serve(s, t, conn);
	fbr_session_free(s);
	if (t && (err = fbr_trace_close(t)))
		errmsg("%s: %s", a->trace_file, strerror(-err));
	return ret;
}

/* --mount: every source through the passthrough driver, in a vfs. */
static int serve_vfs(const struct args *a, int conn)
{
	const char *sources[FBR_VFS_MAX];
	struct vfs_served v;
	int ret;

	if (sandbox_prepare_vfs(a, sources))
		return EXIT_FAIL;
	if (a->handles == HANDLES_NEVER && caps_forgo_handles())
		return EXIT_FAIL;
	if (vfs_served_open(&v, &a->mounts, sources, &a->pt)) {
		vfs_served_close(&v);
		return EXIT_FAIL;
	}
	ops_wrap(&v.vfs, a);
	ret = with_session(a, &v.vfs, conn);
	vfs_served_close(&v);
	return ret;
}

static int serve_conn(const struct args *a, int conn)
{
	struct fbr_pt_opts pt = a->pt;
	struct fbr_driver drv;
	int err, ret;

	if (a->mounts.n)
		return serve_vfs(a, conn);
	if (sandbox_prepare(a, &pt.source))
		return EXIT_FAIL;
	/* Without the capability the driver finds no handles, and keeps
	   an fd for every inode instead. */
	if (a->handles == HANDLES_NEVER && caps_forgo_handles())
		return EXIT_FAIL;
	err = fbr_passthrough_new(&pt, &drv);
	if (err) {
		errmsg("%s: %s", a->pt.source, strerror(-err));
		return EXIT_FAIL;
	}
	ops_wrap(&drv, a);
	ret = with_session(a, &drv, conn);
	fbr_passthrough_free(&drv);
	return ret;
}

int run(const struct args *a)
{
	bool child;
	int conn, ret;

	if (a->print_caps) {
		fputs("{\n  \"type\": \"fs\"\n}\n", stdout);
		return EXIT_OK;
	}
	if (a->syslog)
		start_syslog();
	warn_unsupported(a);
	limit_nofile(a->rlimit_nofile);
	if (check_source(a))
		return EXIT_FAIL;
	catch_signals();
	conn = connection(a);
	if (conn < 0)
		return EXIT_FAIL;
	ret = sandbox_enter(a, conn, &child);
	if (!child)
		return ret; /* the server's status, or why it never ran */
	if (ret == EXIT_OK)
		ret = serve_conn(a, conn);
	close(conn);
	return ret;
}
