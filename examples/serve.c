/*
 * The transport half of the examples: one driver, two ways to reach it.
 *
 *   NAME MOUNTPOINT               mount it, serve until unmounted (or
 *                                 SIGINT/SIGTERM, which unmount)
 *   NAME --vhost-user SOCKET      be a virtio-fs device: listen on SOCKET,
 *                                 serve one VMM until it hangs up
 *
 * Only the session options differ: the dispatcher and the driver do not
 * know which transport carries the requests.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <fbr/fusedev.h>
#include <fbr/log.h>
#include <fbr/session.h>
#include <fbr/virtiofs.h>

#include "serve.h"

static const char *prog;

static void on_log(enum fbr_log_level level, const char *subsys,
		   const char *msg)
{
	fprintf(stderr, "%s: %s: %s\n", prog, subsys, msg);
}

static int fail(const char *what, const char *arg, int err)
{
	fprintf(stderr, "%s: %s '%s': %s\n", prog, what, arg, strerror(-err));
	return EXIT_FAILURE;
}

/* Wait for the workers to end; a signal unmounts, which ends them. */
static int wait_stopped(struct fbr_fusedev *d, struct fbr_mount *m, int sigfd)
{
	struct pollfd p[2] = { { .fd = sigfd, .events = POLLIN },
			       { .fd = fbr_fusedev_eventfd(d), .events = POLLIN } };
	struct signalfd_siginfo si;
	uint64_t n;

	while (fbr_fusedev_state(d) != FBR_FUSEDEV_STOPPED) {
		if (poll(p, 2, -1) < 0)
			continue; /* EINTR */
		if ((p[0].revents & POLLIN) &&
		    read(sigfd, &si, sizeof(si)) == sizeof(si))
			fbr_unmount(m);
		if ((p[1].revents & POLLIN) && read(p[1].fd, &n, sizeof(n)) < 0)
			n = 0; /* nothing to rearm */
	}
	return fbr_fusedev_error(d);
}

static int serve_fuse(struct fbr_session *s, const char *mountpoint)
{
	struct fbr_mount_opts mo = { .fsname = prog, .subtype = prog,
				     .default_permissions = true };
	struct fbr_fusedev_opts fo = { .threads = fbr_fusedev_default_threads() };
	struct fbr_mount m;
	struct fbr_fusedev *d;
	sigset_t set;
	int sigfd, err;

	/* Blocked before the workers start, so that they inherit it. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sigfd < 0)
		return fail("cannot watch signals for", mountpoint, -errno);
	err = fbr_mount(mountpoint, &mo, &m);
	if (err) {
		close(sigfd);
		return fail("cannot mount on", mountpoint, err);
	}
	err = fbr_fusedev_start(s, m.fd, &fo, &d);
	if (err) {
		fbr_unmount(&m);
	} else {
		err = wait_stopped(d, &m, sigfd);
		fbr_fusedev_free(d);
	}
	fbr_mount_release(&m);
	close(sigfd);
	return err ? fail("cannot serve", mountpoint, err) : EXIT_SUCCESS;
}

/* Listen on path and take the one front-end; the socket file then goes. */
static int accept_one(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, conn, err;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path); /* left by an earlier run */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 1)) {
		err = -errno;
		close(fd);
		return err;
	}
	conn = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
	err = -errno;
	close(fd);
	unlink(path);
	return conn < 0 ? err : conn;
}

static int serve_vhost(struct fbr_session *s, const char *path)
{
	struct fbr_virtiofs_opts vo = { .request_queues = 1 };
	struct fbr_virtiofs *f;
	int conn, err;

	err = fbr_virtiofs_new(s, &vo, &f);
	if (err)
		return fail("cannot set up a device for", path, err);
	conn = accept_one(path);
	if (conn < 0) {
		fbr_virtiofs_free(f);
		return fail("cannot listen on", path, conn);
	}
	err = fbr_virtiofs_serve(f, conn);
	close(conn);
	fbr_virtiofs_free(f);
	return err ? fail("cannot serve", path, err) : EXIT_SUCCESS;
}

static int usage(FILE *out, int status)
{
	fprintf(out, "Usage: %s [-d] MOUNTPOINT\n"
		"       %s [-d] --vhost-user SOCKET\n"
		"Serve the %s example filesystem over /dev/fuse at MOUNTPOINT,\n"
		"or to a VMM as a virtio-fs device (vhost-user) on SOCKET.\n\n"
		"  -d, --debug        print fbr's debug messages\n"
		"      --vhost-user   PATH is a socket to listen on\n"
		"  -h, --help         show this help\n", prog, prog, prog);
	return status;
}

int serve_main(int argc, char **argv, const char *name,
	       const struct fbr_driver *drv)
{
	static const struct option longopts[] = {
		{ "debug", no_argument, NULL, 'd' },
		{ "vhost-user", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct fbr_session_opts so = { .max_write = FBR_FUSEDEV_MAX_WRITE };
	struct fbr_session *s;
	bool vhost = false;
	int c, ret;

	prog = name;
	while ((c = getopt_long(argc, argv, "dh", longopts, NULL)) != -1) {
		if (c == 'd')
			fbr_log_set_debug("all");
		else if (c == 'v')
			vhost = true;
		else
			return c == 'h' ? usage(stdout, 0) : usage(stderr, 2);
	}
	if (optind != argc - 1)
		return usage(stderr, 2);
	fbr_log_set_handler(on_log);
	signal(SIGPIPE, SIG_IGN);
	/* virtio-fs: WRITE data stays in guest memory, apart from the header. */
	if (vhost)
		so = (struct fbr_session_opts){ .max_write = FBR_VIRTIOFS_MAX_WRITE,
						.data_apart = true };
	s = fbr_session_new(drv, &so);
	if (!s)
		return fail("cannot start a session for", argv[optind], -errno);
	if (vhost)
		ret = serve_vhost(s, argv[optind]);
	else
		ret = serve_fuse(s, argv[optind]);
	fbr_session_free(s);
	return ret;
}
