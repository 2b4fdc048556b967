/*
 * Mounting through fusermount3, the setuid helper fuse3 ships.  It is run
 * with _FUSE_COMMFD naming its end of a socketpair, mounts, and sends the
 * /dev/fuse fd back with SCM_RIGHTS.  With auto_unmount it stays, holding
 * the socket, and unmounts once our end closes, that is when we die, even
 * by SIGKILL.  Errors it finds it prints itself on our stderr.
 */
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "transports/fusedev/fusermount.h"
#include "fbr/log.h"

extern char **environ;

/* The mount flags fusermount3 understands by name. */
static const struct {
	unsigned long flag;
	const char *name;
} flag_names[] = {
	{ MS_RDONLY, "ro" },         { MS_NOSUID, "nosuid" },
	{ MS_NODEV, "nodev" },       { MS_NOEXEC, "noexec" },
	{ MS_SYNCHRONOUS, "sync" },  { MS_DIRSYNC, "dirsync" },
	{ MS_NOATIME, "noatime" },   { MS_NODIRATIME, "nodiratime" },
	{ MS_RELATIME, "relatime" }, { MS_STRICTATIME, "strictatime" },
	{ MS_LAZYTIME, "lazytime" },
};

static void add(FILE *f, const char *opt)
{
	if (ftell(f) > 0)
		fputc(',', f);
	fputs(opt, f);
}

/* Option values may hold commas: fusermount3 takes them backslashed. */
static void add_value(FILE *f, const char *key, const char *val)
{
	add(f, key);
	for (; *val; val++) {
		if (*val == ',' || *val == '\\')
			fputc('\\', f);
		fputc(*val, f);
	}
}

static char *helper_options(const struct fbr_mount_opts *o)
{
	char *s = NULL;
	size_t len;
	FILE *f = open_memstream(&s, &len);

	if (!f)
		return NULL;
	add_value(f, "fsname=", o->fsname ? o->fsname : "fbr");
	if (o->subtype)
		add_value(f, "subtype=", o->subtype);
	for (size_t i = 0; i < sizeof(flag_names) / sizeof(flag_names[0]); i++)
		if (o->flags & flag_names[i].flag)
			add(f, flag_names[i].name);
	/* The helper defaults to nosuid,nodev; root gets what mount(2) gives. */
	if (geteuid() == 0 && !(o->flags & MS_NOSUID))
		add(f, "suid");
	if (geteuid() == 0 && !(o->flags & MS_NODEV))
		add(f, "dev");
	if (o->allow_other)
		add(f, "allow_other");
	if (o->default_permissions)
		add(f, "default_permissions");
	if (o->auto_unmount)
		add(f, "auto_unmount");
	if (o->max_read)
		fprintf(f, ",max_read=%u", o->max_read);
	if (fclose(f) != 0) {
		free(s);
		return NULL;
	}
	return s;
}

/* Our environment, with _FUSE_COMMFD set to fd, or unset for -1. */
static char **helper_env(int fd, char *var, size_t varsize)
{
	size_t n = 0, k = 0;
	char **env;

	while (environ[n])
		n++;
	env = calloc(n + 2, sizeof(*env));
	if (!env)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "_FUSE_COMMFD=", 13) != 0)
			env[k++] = environ[i];
	if (fd >= 0) {
		snprintf(var, varsize, "_FUSE_COMMFD=%d", fd);
		env[k] = var;
	}
	return env;
}

/* The helper starts with every signal unblocked and at its default. */
static int helper_attr(posix_spawnattr_t *at)
{
	sigset_t none, all;

	sigemptyset(&none);
	sigfillset(&all);
	return posix_spawnattr_init(at) ||
	       posix_spawnattr_setsigmask(at, &none) ||
	       posix_spawnattr_setsigdefault(at, &all) ||
	       posix_spawnattr_setflags(at, POSIX_SPAWN_SETSIGMASK |
					    POSIX_SPAWN_SETSIGDEF) ? ENOMEM : 0;
}

/* Run fusermount3 with argv, giving it fd (or -1); returns its pid. */
static int spawn_helper(char *const argv[], int fd, pid_t *pid)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	char var[32];
	char **env = helper_env(fd, var, sizeof(var));
	int err;

	if (!env)
		return -ENOMEM;
	err = posix_spawn_file_actions_init(&fa);
	/* dup2 onto itself clears close-on-exec in the child only. */
	if (!err && fd >= 0)
		err = posix_spawn_file_actions_adddup2(&fa, fd, fd);
	if (!err)
		err = helper_attr(&at);
	if (!err) {
		err = posix_spawn(pid, FUSERMOUNT3_PATH, &fa, &at, argv, env);
		posix_spawnattr_destroy(&at);
	}
	posix_spawn_file_actions_destroy(&fa);
	free(env);
	return -err;
}

/* The helper's exit: 0 if it succeeded, -EPERM if it said no. */
static int reap(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -EPERM;
}

/* The fd the helper sends; -EPERM when it quit without one. */
static int receive_fd(int sock)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	char byte;
	struct iovec iov = { &byte, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = u.buf,
			      .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c;
	ssize_t n;
	int fd;

	do
		n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	c = CMSG_FIRSTHDR(&msg);
	if (n == 0 || !c)
		return -EPERM;
	if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int)))
		return -EPROTO;
	memcpy(&fd, CMSG_DATA(c), sizeof(fd));
	return fd;
}

int fbr_fusermount_mount(const char *mountpoint, const struct fbr_mount_opts *o,
			 struct fbr_mount *m)
{
	char *opts = helper_options(o);
	char *argv[] = { "fusermount3", "-o", opts, "--", (char *)mountpoint,
			 NULL };
	int sv[2], fd, err;
	pid_t pid;

	if (!opts)
		return -ENOMEM;
	fbr_debug("fusedev", "%s -o %s -- %s", FUSERMOUNT3_PATH, opts,
		  mountpoint);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		free(opts);
		return -errno;
	}
	err = spawn_helper(argv, sv[1], &pid);
	free(opts);
	close(sv[1]);
	if (err) {
		close(sv[0]);
		return err;
	}
	fd = receive_fd(sv[0]);
	/* An auto-unmounting helper stays until our end closes. */
	if (fd >= 0 && o->auto_unmount) {
		m->fd = fd;
		m->commfd = sv[0];
		return 0;
	}
	close(sv[0]);
	err = reap(pid);
	if (fd < 0)
		return err ? err : fd;
	m->fd = fd;
	return 0;
}

int fbr_fusermount_unmount(const char *mountpoint)
{
	char *argv[] = { "fusermount3", "-u", "-q", "-z", "--",
			 (char *)mountpoint, NULL };
	pid_t pid;
	int err = spawn_helper(argv, -1, &pid);

	return err ? err : reap(pid);
}
