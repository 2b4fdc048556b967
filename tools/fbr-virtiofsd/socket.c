/*
 * The front-end's connection: a unix socket we listen on (--socket-path)
 * or inherit (--fd), and the one front-end we accept on it.  The socket
 * file goes away as soon as the front-end is connected (nobody else may
 * connect) or when we are told to stop while waiting.  All of this
 * happens before the sandbox, on the host's paths.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "fbr-virtiofsd.h"

static const char *volatile listen_path;

static void on_signal(int sig)
{
	if (listen_path)
		unlink(listen_path);
	signal(sig, SIG_DFL);
	raise(sig);
}

void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* --socket-group: the group may connect, others still may not.  The
   socket is made 0600 and opened to the group once it is the group's. */
static int bind_for(const struct args *a, int fd, const struct sockaddr_un *sa)
{
	mode_t old;
	int err;

	if (!a->socket_group)
		return bind(fd, (const struct sockaddr *)sa, sizeof(*sa));
	old = umask(0177);
	err = bind(fd, (const struct sockaddr *)sa, sizeof(*sa));
	umask(old);
	if (!err && (chown(sa->sun_path, (uid_t)-1, a->socket_gid) < 0 ||
		     chmod(sa->sun_path, 0660) < 0)) {
		unlink(sa->sun_path); /* errno stays chown's or chmod's */
		err = -1;
	}
	return err;
}

/* A stale socket from an earlier run is replaced; anything else is not. */
static int listen_at(const struct args *a)
{
	const char *path = a->socket_path;
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
	if (fd < 0 || bind_for(a, fd, &sa) || listen(fd, 1)) {
		errmsg("cannot listen at %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	listen_path = path;
	return fd;
}

/* The front-end's connection: accepted, or the inherited fd itself. */
int connection(const struct args *a)
{
	int lfd = a->socket_path ? listen_at(a) : a->fd;
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
