/*
 * Mounting and serving.  The main thread sets everything up, then only
 * watches: a signalfd for SIGINT/SIGTERM/SIGHUP (unmount, after which the
 * workers see the connection end) and SIGUSR1 (stats), and the transport's
 * eventfd for INIT answered (release a waiting parent) and all workers
 * gone (unmounted from outside, or by us: exit).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "fbr-mount.h"
#include "trace/trace.h"

struct server {
	const struct args *a;
	char *source;              /* absolute */
	struct fbr_driver drv;     /* the passthrough driver, or the vfs */
	bool have_drv;
	struct vfs_served vfs;     /* with --mount */
	struct fbr_session *session;
	struct fbr_mount mnt;
	struct fbr_fusedev *srv;
	struct fbr_trace *trace;   /* --trace, or NULL */
	int sigfd;
	int ready_fd;              /* to a waiting parent, or -1 */
	bool live;
	bool unmounting;
	bool signalled;            /* asked to stop: a clean end, even early */
};

static int open_session(struct server *sv)
{
	struct fbr_session_opts so = { .max_write = FBR_FUSEDEV_MAX_WRITE };

	sv->session = fbr_session_new(&sv->drv, &so);
	if (!sv->session) {
		errmsg("cannot start a session: %m");
		return -1;
	}
	return 0;
}

/* --mount: every source through the passthrough driver, in a vfs. */
static int open_vfs(struct server *sv)
{
	if (vfs_served_open(&sv->vfs, &sv->a->mounts, NULL, &sv->a->pt))
		return -1;
	sv->drv = sv->vfs.vfs;
	return open_session(sv);
}

static int open_driver(struct server *sv)
{
	struct fbr_pt_opts pt = sv->a->pt;
	int err;

	if (sv->a->mounts.n)
		return open_vfs(sv);
	sv->source = realpath(sv->a->source, NULL);
	if (!sv->source) {
		errmsg("cannot open '%s': %m", sv->a->source);
		return -1;
	}
	pt.source = sv->source;
	err = fbr_passthrough_new(&pt, &sv->drv);
	if (err) {
		errmsg("cannot open '%s': %s", sv->a->source, strerror(-err));
		return -1;
	}
	sv->have_drv = true;
	return open_session(sv);
}

static void stats(struct server *sv)
{
	struct fbr_pt_stats st;

	if (sv->a->mounts.n)
		vfs_served_stats(&sv->vfs, &st);
	else
		fbr_passthrough_stats(&sv->drv, &st);
	stats_report(sv->a, &st, sv->srv);
}

/* Signals are read from a signalfd by the main thread alone. */
static int setup_signals(struct server *sv)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sv->sigfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sv->sigfd < 0) {
		errmsg("cannot watch signals: %m");
		return -1;
	}
	return 0;
}

/*
 * fusermount3's auto_unmount unmounts after a crash only if the connection
 * has ended by the time it looks, and the kernel ends one with rings in
 * the background, after the process: unasked, those mounts keep to reads.
 */
static enum fbr_fusedev_uring uring_mode(const struct args *a)
{
	if (a->mnt.auto_unmount && a->uring == FBR_FUSEDEV_URING_AUTO)
		return FBR_FUSEDEV_URING_OFF;
	return a->uring;
}

static int start(struct server *sv)
{
	const struct args *a = sv->a;
	struct fbr_fusedev_opts fo = {
		.threads = a->threads ? a->threads : fbr_fusedev_default_threads(),
		.uring = uring_mode(a),
		.poll_us = a->poll_us,
	};
	int err;

	if (a->trace_file) {
		err = fbr_trace_create(a->trace_file, FBR_TRACE_FUSEDEV, 0,
				       PACKAGE_NAME "-mount " PACKAGE_VERSION,
				       &sv->trace);
		if (err) {
			errmsg("cannot create '%s': %s", a->trace_file,
			       strerror(-err));
			return -1;
		}
	}
	err = fbr_mount(a->mountpoint, &a->mnt, &sv->mnt);
	if (err) {
		errmsg("cannot mount on '%s': %s", a->mountpoint, strerror(-err));
		return -1;
	}
	/* Backing files need CAP_SYS_ADMIN: a user's mount does without. */
	if (a->pt.passthrough && geteuid() == 0)
		fbr_fusedev_passthrough(sv->session, sv->mnt.fd);
	fo.trace = sv->trace;
	fo.mountpoint = sv->mnt.mountpoint;
	err = fbr_fusedev_start(sv->session, sv->mnt.fd, &fo, &sv->srv);
	if (err) {
		errmsg("cannot start %u workers: %s", fo.threads, strerror(-err));
		fbr_unmount(&sv->mnt);
		return -1;
	}
	return 0;
}

/* Unmount once; the workers end when the kernel lets the mount go. */
static void stop(struct server *sv)
{
	int err;

	if (sv->unmounting)
		return;
	sv->unmounting = true;
	err = fbr_unmount(&sv->mnt);
	if (err) {
		errmsg("cannot unmount '%s': %s", sv->a->mountpoint,
		       strerror(-err));
		exit(EXIT_FAIL);
	}
	/* A passed fd cannot be unmounted here: closing it ends the mount. */
	if (!sv->mnt.mountpoint)
		exit(EXIT_OK);
}

static void on_signal(struct server *sv)
{
	struct signalfd_siginfo si;

	if (read(sv->sigfd, &si, sizeof(si)) != sizeof(si))
		return;
	if (si.ssi_signo == SIGUSR1) {
		stats(sv);
		return;
	}
	/* Asked twice: stop waiting for busy files; exiting aborts the rest. */
	if (sv->unmounting)
		exit(EXIT_OK);
	sv->signalled = true;
	stop(sv);
}

/* Returns true once every worker has ended. */
static bool on_event(struct server *sv)
{
	uint64_t n;

	if (read(fbr_fusedev_eventfd(sv->srv), &n, sizeof(n)) < 0 &&
	    errno != EAGAIN)
		return false;
	if (fbr_fusedev_state(sv->srv) == FBR_FUSEDEV_LIVE && !sv->live) {
		sv->live = true;
		if (sv->ready_fd >= 0)
			daemon_ready(sv->ready_fd);
		sv->ready_fd = -1;
	}
	if (fbr_fusedev_error(sv->srv))
		stop(sv);
	return fbr_fusedev_state(sv->srv) == FBR_FUSEDEV_STOPPED;
}

static int serve(struct server *sv)
{
	struct pollfd p[2] = {
		{ .fd = sv->sigfd, .events = POLLIN },
		{ .fd = fbr_fusedev_eventfd(sv->srv), .events = POLLIN },
	};
	int err;

	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			errmsg("poll: %m");
			return EXIT_FAIL;
		}
		if ((p[1].revents & POLLIN) && on_event(sv))
			break;
		if (p[0].revents & POLLIN)
			on_signal(sv);
	}
	err = fbr_fusedev_error(sv->srv);
	if (!sv->live && !sv->signalled) {
		errmsg("the kernel ended the connection before it was set up");
		return EXIT_FAIL;
	}
	if (err) {
		errmsg("stopped: %s", strerror(-err));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

static void cleanup(struct server *sv)
{
	int err;

	fbr_fusedev_free(sv->srv);
	/* Answer deferred requests (lock waiters) while their trace is open. */
	if (sv->session)
		fbr_session_reset(sv->session);
	err = fbr_trace_close(sv->trace);
	if (err)
		errmsg("cannot write '%s': %s", sv->a->trace_file, strerror(-err));
	fbr_mount_release(&sv->mnt);
	fbr_session_free(sv->session);
	if (sv->have_drv)
		fbr_passthrough_free(&sv->drv);
	vfs_served_close(&sv->vfs);
	if (sv->sigfd >= 0)
		close(sv->sigfd);
	free(sv->source);
}

int run(const struct args *a)
{
	struct server sv = { .a = a, .sigfd = -1, .ready_fd = -1 };
	int ret = EXIT_FAIL;

	sv.mnt = (struct fbr_mount){ .fd = -1, .commfd = -1 };
	if (!a->foreground && daemon_fork(&sv.ready_fd) < 0) {
		errmsg("cannot fork: %m");
		return EXIT_FAIL;
	}
	if (open_driver(&sv) == 0 && setup_signals(&sv) == 0 && start(&sv) == 0)
		ret = serve(&sv);
	cleanup(&sv);
	return ret;
}
