/*
 * fbr-trace record: run a FUSE server built on libfuse 3, unchanged, and
 * record every message between it and the kernel.  fbr-trace mounts the
 * mountpoint itself, starts the server with /dev/fd/N in the mountpoint's
 * place in its arguments (libfuse then serves that fd rather than
 * mounting), and relays (relay.c) between /dev/fuse and the socket that
 * fd is.  It ends when the server does, and exits with its status.
 *
 * Signals: SIGINT, SIGTERM and SIGHUP go on to the server, whose libfuse
 * ends its loop on them; an unmount from outside ends the relay's kernel
 * side, which then tells the server SIGTERM.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fbr-trace.h"
#include "relay.h"
#include "../mountopts.h"

/* A message: the largest WRITE the kernel sends, its headers, slack. */
#define WANT_MSG (FBR_FUSEDEV_MAX_WRITE + 2 * 4096)

struct rec_args {
	const char *output;
	const char *mountpoint;    /* NULL: the command's last argument */
	uint32_t snaplen;
	struct fbr_mount_opts mnt;
	char **command;            /* NULL-terminated */
	int mp_index;              /* where the mountpoint is in command */
};

static const struct option rec_longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "output", required_argument, NULL, 'o' },
	{ "mountpoint", required_argument, NULL, 'm' },
	{ "mount-options", required_argument, NULL, 'O' },
	{ "snaplen", required_argument, NULL, 's' },
	{ NULL, 0, NULL, 0 },
};

static void rec_usage(void)
{
	fputs("Usage: fbr-trace record -o <file> [options] [--] <command> [<arg>...]\n"
	      "\n"
	      "Run a FUSE server built on libfuse 3 and record every message\n"
	      "between it and the kernel.  fbr-trace mounts the mountpoint and\n"
	      "gives the server /dev/fd/N in its place.\n"
	      "\n"
	      "Options:\n"
	      " -o, --output <file>       write the trace there (required)\n"
	      " -m, --mountpoint <dir>    the command's argument that is the\n"
	      "                           mountpoint (default: its last one)\n"
	      " -O, --mount-options <list> mount options, comma-separated:\n"
	      MOUNTOPTS_HELP
	      " -s, --snaplen <bytes>     keep at most this much of each message\n"
	      " -h, --help                display this help\n"
	      "\n"
	      "Exit status: the server's; 1 when recording failed, 2 usage.\n", stdout);
}

static int set_mount_options(struct rec_args *a, char *list)
{
	char *save = NULL;

	for (char *o = strtok_r(list, ",", &save); o;
	     o = strtok_r(NULL, ",", &save)) {
		int ret = mountopt_set(&a->mnt, o);

		if (ret < 0)
			return EXIT_USAGE;
		if (!ret) {
			usage_error("unknown mount option '%s'", o);
			return EXIT_USAGE;
		}
	}
	return EXIT_OK;
}

static int set_snaplen(struct rec_args *a, const char *val)
{
	unsigned long n;
	char *end;

	errno = 0;
	n = strtoul(val, &end, 10);
	if (errno || end == val || *end || *val == '-' || n > UINT32_MAX ||
	    (n && n < 64)) {
		usage_error("invalid snap length: '%s' (0, or 64 or more)", val);
		return EXIT_USAGE;
	}
	a->snaplen = (uint32_t)n;
	return EXIT_OK;
}

static int rec_one(struct rec_args *a, int c, char *arg, bool *done)
{
	switch (c) {
	case 'h':
		rec_usage();
		*done = true;
		return EXIT_OK;
	case 'o':
		a->output = arg;
		return EXIT_OK;
	case 'm':
		a->mountpoint = arg;
		return EXIT_OK;
	case 'O':
		return set_mount_options(a, arg);
	case 's':
		return set_snaplen(a, arg);
	default:
		return EXIT_USAGE;
	}
}

/* The command, and which of its arguments the mountpoint is. */
static int rec_command(struct rec_args *a, int argc, char **argv)
{
	if (!a->output) {
		usage_error("record: no output file (-o)");
		return EXIT_USAGE;
	}
	if (argc < 1) {
		usage_error("record: no command to run");
		return EXIT_USAGE;
	}
	a->command = argv;
	if (!a->mountpoint)
		a->mountpoint = argv[argc - 1];
	for (a->mp_index = argc - 1; a->mp_index > 0; a->mp_index--)
		if (!strcmp(argv[a->mp_index], a->mountpoint))
			return EXIT_OK;
	usage_error("record: '%s' is not among the command's arguments",
		    a->mountpoint);
	return EXIT_USAGE;
}

static int rec_parse(int argc, char **argv, struct rec_args *a, bool *done)
{
	int c, ret = EXIT_OK;

	*a = (struct rec_args){ 0 };
	*done = false;
	opterr = 0;
	optind = 1;
	/* "+": the command's own options are its. */
	while (ret == EXIT_OK && !*done &&
	       (c = getopt_long(argc, argv, "+:ho:m:O:s:", rec_longopts,
				NULL)) != -1)
		ret = c == '?' || c == ':' ? cli_bad_option(c, argv)
					   : rec_one(a, c, optarg, done);
	if (ret != EXIT_OK || *done)
		return ret;
	return rec_command(a, argc - optind, argv + optind);
}

/* A socket buffer for whole messages, forced where we may.  Returns the
   largest message it takes. */
static uint32_t raise_buffer(int fd)
{
	int want = WANT_MSG, got = 0;
	socklen_t len = sizeof(got);

	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &want, sizeof(want)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &want, sizeof(want));
	getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &got, &len);
	/* The kernel refuses a message over the buffer less 32 bytes. */
	return got > (int)WANT_MSG + 32 ? WANT_MSG : (uint32_t)(got - 32);
}

static int socket_pair(int sv[2], uint32_t *max_msg)
{
	uint32_t a, b;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	a = raise_buffer(sv[0]);
	b = raise_buffer(sv[1]);
	*max_msg = a < b ? a : b;
	if (*max_msg < WANT_MSG)
		fprintf(stderr, "fbr-trace: the socket carries %u bytes a "
			"message: the server's max_write is capped to fit\n",
			*max_msg);
	return 0;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* In the child: the command, its mountpoint replaced by /dev/fd/N. */
static void exec_server(const struct rec_args *a, int fd, const sigset_t *old)
{
	char name[32];
	int n = dup(fd); /* without O_CLOEXEC */

	sigprocmask(SIG_SETMASK, old, NULL);
	if (n < 0) {
		errmsg("cannot pass the socket: %s", strerror(errno));
		_exit(127);
	}
	snprintf(name, sizeof(name), "/dev/fd/%d", n);
	a->command[a->mp_index] = name;
	execvp(a->command[0], a->command);
	errmsg("cannot run '%s': %s", a->command[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

/*
 * Until the server closes its socket (SIGUSR1 from the relay): signals go
 * on to it, or, once it has gone to the background, unmount.  The
 * command's exit code is in *status when *reaped.
 */
static void serve(struct relay *r, struct fbr_mount *m, pid_t pid,
		  const sigset_t *set, int *status, bool *reaped)
{
	siginfo_t si;
	int sig;

	while ((sig = sigwaitinfo(set, &si)) != SIGUSR1) {
		if (sig == SIGCHLD && !*reaped &&
		    waitpid(pid, status, WNOHANG) == pid) {
			*reaped = true;
			r->server = 0;
		} else if (sig == SIGINT || sig == SIGTERM || sig == SIGHUP) {
			if (*reaped)
				fbr_unmount(m);
			else
				kill(pid, sig);
		}
	}
}

static int exit_code(int status)
{
	if (WIFSIGNALED(status)) {
		errmsg("the server was killed by signal %d", WTERMSIG(status));
		return 128 + WTERMSIG(status);
	}
	return WEXITSTATUS(status);
}

static int open_all(const struct rec_args *a, struct relay *r,
		    struct fbr_mount *m, int sv[2])
{
	int err = fbr_trace_create(a->output, FBR_TRACE_RELAY, a->snaplen,
				   "fbr-trace " PACKAGE_VERSION, &r->trace);

	if (err) {
		errmsg("cannot create '%s': %s", a->output, strerror(-err));
		return err;
	}
	if ((err = socket_pair(sv, &r->max_msg)) < 0) {
		errmsg("cannot make the server's socket: %s", strerror(-err));
		return err;
	}
	if ((r->stopfd = eventfd(0, EFD_CLOEXEC)) < 0) {
		errmsg("cannot make an eventfd: %s", strerror(errno));
		return -errno;
	}
	err = fbr_mount(a->mountpoint, &a->mnt, m);
	if (err) {
		errmsg("cannot mount on '%s': %s", a->mountpoint, strerror(-err));
		return err;
	}
	fcntl(m->fd, F_SETFD, FD_CLOEXEC);
	r->devfd = m->fd;
	r->sock = sv[0];
	r->bufsize = WANT_MSG;
	return 0;
}

static int record(struct rec_args *a)
{
	struct fbr_mount m = { .fd = -1, .commfd = -1 };
	struct relay r = { .stopfd = -1 };
	int sv[2] = { -1, -1 }, ret = EXIT_FAIL, err, status = 0;
	bool reaped = false;
	sigset_t set, old;
	pid_t pid;

	a->mnt.subtype = a->mnt.subtype ? a->mnt.subtype : base_name(a->command[0]);
	a->mnt.fsname = a->mnt.fsname ? a->mnt.fsname : a->mnt.subtype;
	/* A background job of a script starts with SIGINT ignored: neither
	   sigwaitinfo here nor libfuse in the server would see it. */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, &old);
	if (open_all(a, &r, &m, sv) < 0)
		goto out;
	pid = fork();
	if (pid == 0)
		exec_server(a, sv[1], &old);
	close(sv[1]);
	sv[1] = -1;
	r.server = pid > 0 ? pid : 0;
	if (pid < 0 || (err = relay_start(&r)) < 0) {
		errmsg("cannot start the server: %s", strerror(pid < 0 ? errno : -err));
		if (pid > 0)
			kill(pid, SIGKILL);
		goto out;
	}
	serve(&r, &m, pid, &set, &status, &reaped);
	relay_stop(&r);
	relay_join(&r);
	fbr_unmount(&m);
	fbr_mount_release(&m);
	if (!reaped)
		waitpid(pid, &status, 0);
	ret = exit_code(status);
out:
	fbr_mount_release(&m);
	for (int i = 0; i < 2; i++)
		if (sv[i] >= 0)
			close(sv[i]);
	if (r.stopfd >= 0)
		close(r.stopfd);
	if (r.trace && fbr_trace_close(r.trace) < 0 && ret == 0) {
		errmsg("cannot write '%s'", a->output);
		ret = EXIT_FAIL;
	}
	return ret || !r.write_failed ? ret : EXIT_FAIL;
}

int record_main(int argc, char **argv)
{
	struct rec_args a;
	bool done;
	int ret = rec_parse(argc, argv, &a, &done);

	return ret != EXIT_OK || done ? ret : record(&a);
}
