/*
 * Serving: share the directory through the passthrough driver, wait for
 * one front-end on the vhost-user socket, and serve it until it hangs up.
 * The socket file goes away as soon as the front-end is connected (nobody
 * else may connect) or when we are told to stop while waiting.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "fbr-virtiofsd.h"
#include "transports/virtiofs/virtiofs.h"

/* Request queues offered; the front-end starts as many as it was told. */
#define REQUEST_QUEUES 8

static const char *volatile listen_path;

static void on_signal(int sig)
{
	if (listen_path)
		unlink(listen_path);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* A stale socket from an earlier run is replaced; anything else is not. */
static int listen_at(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		errmsg("socket path too long: %s", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	if (!lstat(path, &st) && S_ISSOCK(st.st_mode))
		unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(fd, 1)) {
		errmsg("cannot listen at %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	listen_path = path;
	return fd;
}

/* The front-end's connection: accepted, or the inherited fd itself. */
static int connection(const struct args *a)
{
	int lfd = a->socket_path ? listen_at(a->socket_path) : a->fd;
	int listening = 0, c;
	socklen_t len = sizeof(listening);

	if (lfd < 0)
		return -1;
	if (getsockopt(lfd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len)) {
		errmsg("--fd %d: %s", lfd, strerror(errno));
		return -1;
	}
	if (!listening)
		return lfd; /* already connected */
	fbr_log(FBR_LOG_INFO, "main", "waiting for the vhost-user front-end");
	do
		c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	while (c < 0 && errno == EINTR);
	if (c < 0)
		errmsg("accept: %s", strerror(errno));
	close(lfd);
	if (listen_path)
		unlink(listen_path);
	listen_path = NULL;
	return c;
}

static int serve(const struct args *a, struct fbr_session *s,
		 struct fbr_trace *t)
{
	struct fbr_virtiofs_opts vo = { .request_queues = REQUEST_QUEUES,
					.trace = t };
	struct fbr_virtiofs *f;
	int fd, err = fbr_virtiofs_new(s, &vo, &f);

	if (err) {
		errmsg("cannot set up the device: %s", strerror(-err));
		return EXIT_FAIL;
	}
	fd = connection(a);
	if (fd >= 0) {
		err = fbr_virtiofs_serve(f, fd);
		close(fd);
		if (err)
			errmsg("front-end connection: %s", strerror(-err));
	}
	fbr_virtiofs_free(f);
	return fd >= 0 && !err ? EXIT_OK : EXIT_FAIL;
}

static int with_session(const struct args *a, struct fbr_driver *drv)
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
	ret = serve(a, s, t);
	fbr_session_free(s);
	if (t && (err = fbr_trace_close(t)))
		errmsg("%s: %s", a->trace_file, strerror(-err));
	return ret;
}

int run(const struct args *a)
{
	struct fbr_driver drv;
	int err, ret;

	if (a->print_caps) {
		fputs("{\n  \"type\": \"fs\"\n}\n", stdout);
		return EXIT_OK;
	}
	err = fbr_passthrough_new(&a->pt, &drv);
	if (err) {
		errmsg("%s: %s", a->pt.source, strerror(-err));
		return EXIT_FAIL;
	}
	catch_signals();
	ret = with_session(a, &drv);
	fbr_passthrough_free(&drv);
	return ret;
}
