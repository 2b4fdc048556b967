/*
 * fbr-virtiofsd's command line: the options virtiofsd (Rust) takes by
 * their long names, and the C virtiofsd's "-o source=DIR,cache=MODE" form
 * (compat.c), so either kind of launcher can start us.  Options of theirs
 * that the passthrough driver cannot honour are usage errors that say so,
 * never silently ignored.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fbr-virtiofsd.h"

enum {
	OPT_SOCKET_PATH = 256, OPT_FD, OPT_SOCKET_GROUP, OPT_SHARED_DIR,
	OPT_CACHE, OPT_THREAD_POOL_SIZE, OPT_SANDBOX, OPT_SECCOMP, OPT_XATTR,
	OPT_XATTRMAP, OPT_POSIX_ACL, OPT_READONLY, OPT_WRITEBACK,
	OPT_ALLOW_DIRECT_IO, OPT_ANNOUNCE_SUBMOUNTS, OPT_INODE_FILE_HANDLES,
	OPT_RLIMIT_NOFILE, OPT_MODCAPS, OPT_LOG_LEVEL, OPT_SYSLOG,
	OPT_KILLPRIV_V2, OPT_PRINT_CAPS, OPT_TRACE, OPT_MOUNT,
};

static const struct option longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "foreground", no_argument, NULL, 'f' },
	{ "debug", no_argument, NULL, 'd' },
	{ "options", required_argument, NULL, 'o' },
	{ "socket-path", required_argument, NULL, OPT_SOCKET_PATH },
	{ "fd", required_argument, NULL, OPT_FD },
	{ "socket-group", required_argument, NULL, OPT_SOCKET_GROUP },
	{ "shared-dir", required_argument, NULL, OPT_SHARED_DIR },
	{ "mount", required_argument, NULL, OPT_MOUNT },
	{ "cache", required_argument, NULL, OPT_CACHE },
	{ "thread-pool-size", required_argument, NULL, OPT_THREAD_POOL_SIZE },
	{ "sandbox", required_argument, NULL, OPT_SANDBOX },
	{ "seccomp", required_argument, NULL, OPT_SECCOMP },
	{ "xattr", no_argument, NULL, OPT_XATTR },
	{ "xattrmap", required_argument, NULL, OPT_XATTRMAP },
	{ "posix-acl", no_argument, NULL, OPT_POSIX_ACL },
	{ "readonly", no_argument, NULL, OPT_READONLY },
	{ "writeback", no_argument, NULL, OPT_WRITEBACK },
	{ "allow-direct-io", no_argument, NULL, OPT_ALLOW_DIRECT_IO },
	{ "announce-submounts", no_argument, NULL, OPT_ANNOUNCE_SUBMOUNTS },
	{ "inode-file-handles", required_argument, NULL, OPT_INODE_FILE_HANDLES },
	{ "rlimit-nofile", required_argument, NULL, OPT_RLIMIT_NOFILE },
	{ "modcaps", required_argument, NULL, OPT_MODCAPS },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "syslog", no_argument, NULL, OPT_SYSLOG },
	{ "killpriv-v2", no_argument, NULL, OPT_KILLPRIV_V2 },
	{ "print-capabilities", no_argument, NULL, OPT_PRINT_CAPS },
	{ "trace", required_argument, NULL, OPT_TRACE },
	{ NULL, 0, NULL, 0 },
};

static void usage(void)
{
	fputs("Usage: fbr-virtiofsd [options] --socket-path <path> --shared-dir <dir>\n"
	      "\n"
	      "Serve the directory <dir> to a virtual machine as a vhost-user-fs\n"
	      "back-end, for one front-end (QEMU, cloud-hypervisor).\n"
	      "\n"
	      "Options:\n"
	      "     --socket-path <path>  listen for the front-end at this unix socket\n"
	      "     --fd <n>              or on this inherited listening socket\n"
	      "     --socket-group <grp>  make the socket's group <grp>, mode 0660\n"
	      "     --shared-dir <dir>    the directory to share\n"
	      "     --mount <path>=<dir>  or share <dir> at <path> in a read-only tree of\n"
	      "                           directories; repeatable, replaces --shared-dir\n"
	      " -o, --options <list>      the C virtiofsd's form: source=<dir>, cache=,\n"
	      "                           sandbox=, modcaps=, log_level=, timeout=, xattr,\n"
	      "                           writeback, readonly, flock, posix_lock,\n"
	      "                           allow_direct_io, killpriv_v2 (and no_...)\n"
	      "     --cache <mode>        never, metadata, auto (default) or always\n"
	      "     --thread-pool-size <n> accepted for compatibility\n"
	      "     --sandbox <mode>      namespace (default), chroot or none\n"
	      "     --seccomp <action>    on a system call not allowed: kill (default),\n"
	      "                           log, trap or none (no filter)\n"
	      "     --xattr               serve extended attributes (--sandbox none)\n"
	      "     --posix-acl, --xattrmap  refused: the driver cannot honour them\n"
	      "     --readonly            refuse every change to the shared directory\n"
	      "     --writeback           let the guest cache writes\n"
	      "     --allow-direct-io     keep the guest's O_DIRECT on host files\n"
	      "     --announce-submounts  accepted; warns (submounts are not marked)\n"
	      "     --inode-file-handles <mode>  never (default), prefer or mandatory\n"
	      "     --rlimit-nofile <n>   the open file limit (0: leave it)\n"
	      "     --modcaps <list>      keep or drop capabilities: +sys_admin:-mknod\n"
	      "     --killpriv-v2         let the guest kernel leave set-id clearing to us\n"
	      "     --log-level <level>   error, warn, info (default) or debug\n"
	      "     --syslog              log to syslog instead of standard error\n"
	      "     --trace <file>        record every FUSE message (see fbr-trace(1))\n"
	      " -f, --foreground          accepted: fbr-virtiofsd never detaches\n"
	      " -d, --debug               the same as --log-level debug\n"
	      "     --print-capabilities  print the vhost-user back-end capabilities\n"
	      " -h, --help                display this help\n"
	      " -V, --version             display version\n"
	      "\n"
	      "For more details see fbr-virtiofsd(1).\n", stdout);
}

static int parse_flag(struct args *a, int c)
{
	switch (c) {
	case 'f':
		return EXIT_OK;
	case 'd':
		a->log_level = FBR_LOG_DEBUG;
		return EXIT_OK;
	case OPT_XATTR:
		a->pt.xattr = true;
		return EXIT_OK;
	case OPT_POSIX_ACL:
		return unsupported("--posix-acl", "the passthrough driver does "
				   "not offer FUSE_POSIX_ACL");
	case OPT_READONLY:
		a->pt.readonly = true;
		return EXIT_OK;
	case OPT_WRITEBACK:
		a->pt.writeback = true;
		return EXIT_OK;
	case OPT_ALLOW_DIRECT_IO:
		a->allow_direct_io = true;
		return EXIT_OK;
	case OPT_ANNOUNCE_SUBMOUNTS:
		a->announce_submounts = true;
		return EXIT_OK;
	case OPT_SYSLOG:
		a->syslog = true;
		return EXIT_OK;
	case OPT_KILLPRIV_V2:
		a->pt.killpriv_v2 = true;
		return EXIT_OK;
	case OPT_PRINT_CAPS:
		a->print_caps = true;
		return EXIT_OK;
	default:
		return EXIT_USAGE;
	}
}

/* Options with a value that is the sandbox's business. */
static int parse_confine(struct args *a, int c, char *arg)
{
	switch (c) {
	case OPT_SANDBOX:
		return set_sandbox(a, arg);
	case OPT_SECCOMP:
		return set_seccomp(a, arg);
	case OPT_INODE_FILE_HANDLES:
		return set_handles(a, arg);
	case OPT_RLIMIT_NOFILE:
		return set_nofile(a, arg);
	case OPT_MODCAPS:
		return parse_modcaps(a, arg);
	case OPT_XATTRMAP:
		return unsupported("--xattrmap", "the passthrough driver serves "
				   "extended attributes under their own names");
	default:
		return parse_flag(a, c);
	}
}

static int parse_one(struct args *a, int c, char *arg, bool *done)
{
	switch (c) {
	case 'h':
		usage();
		*done = true;
		return EXIT_OK;
	case 'V':
		printf("fbr-virtiofsd %s\n", PACKAGE_VERSION);
		*done = true;
		return EXIT_OK;
	case 'o':
		return parse_compat(a, arg);
	case OPT_SOCKET_PATH:
		a->socket_path = arg;
		return EXIT_OK;
	case OPT_FD:
		return set_fd(a, arg);
	case OPT_SOCKET_GROUP:
		return set_group(a, arg);
	case OPT_SHARED_DIR:
		a->pt.source = arg;
		return EXIT_OK;
	case OPT_MOUNT:
		return vfs_mounts_add(&a->mounts, arg);
	case OPT_CACHE:
		return set_cache(a, arg);
	case OPT_THREAD_POOL_SIZE:
		return set_uint("thread pool size", arg, 1024, &a->threads);
	case OPT_LOG_LEVEL:
		return set_level(a, arg);
	case OPT_TRACE:
		return (cli_abs_path(arg, &a->trace_file) ? EXIT_OK : EXIT_FAIL);
	default:
		return parse_confine(a, c, arg);
	}
}

/* Options that cannot go together. */
static int check_combinations(const struct args *a)
{
	if (a->socket_group && !a->socket_path) {
		usage_error("--socket-group needs --socket-path");
		return EXIT_USAGE;
	}
	if (a->mounts.n && a->pt.source) {
		usage_error("--shared-dir and --mount exclude each other");
		return EXIT_USAGE;
	}
	/* A chroot cannot hold several directories: that takes mounts. */
	if (a->mounts.n && a->sandbox == SANDBOX_CHROOT) {
		usage_error("--mount needs --sandbox namespace or none");
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* What must be there unless only the capabilities are asked for. */
static int check_required(const struct args *a, int argc)
{
	if (argc > 0) {
		usage_error("unexpected argument");
		return EXIT_USAGE;
	}
	if (a->print_caps)
		return EXIT_OK;
	if (!a->socket_path && a->fd < 0) {
		usage_error("missing --socket-path or --fd");
		return EXIT_USAGE;
	}
	if (a->socket_path && a->fd >= 0) {
		usage_error("--socket-path and --fd exclude each other");
		return EXIT_USAGE;
	}
	if (!a->pt.source && !a->mounts.n) {
		usage_error("missing --shared-dir (or -o source=, or --mount)");
		return EXIT_USAGE;
	}
	return check_combinations(a);
}

int parse_args(int argc, char **argv, struct args *a, bool *done)
{
	int c, ret = EXIT_OK;

	*a = (struct args){
		.fd = -1,
		.log_level = FBR_LOG_INFO,
		.pt = { .cache = FBR_PT_CACHE_AUTO, .entry_timeout = -1,
			.attr_timeout = -1 },
	};
	*done = false;
	opterr = 0;
	while (ret == EXIT_OK && !*done &&
	       (c = getopt_long(argc, argv, ":hVfdo:", longopts, NULL)) != -1) {
		if (c == '?' || c == ':')
			return cli_bad_option(c, argv);
		ret = parse_one(a, c, optarg, done);
	}
	if (ret != EXIT_OK || *done)
		return ret;
	return check_required(a, argc - optind);
}
