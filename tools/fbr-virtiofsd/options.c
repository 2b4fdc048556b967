/*
 * fbr-virtiofsd's command line: the options virtiofsd (Rust) takes by
 * their long names, and the C virtiofsd's "-o source=DIR,cache=MODE"
 * form, so either kind of launcher can start us.  Options of theirs we do
 * not implement yet (sandboxing, seccomp, ...) are usage errors, not
 * silently ignored.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fbr-virtiofsd.h"

enum {
	OPT_SOCKET_PATH = 256, OPT_FD, OPT_SHARED_DIR, OPT_CACHE,
	OPT_THREAD_POOL_SIZE, OPT_XATTR, OPT_READONLY, OPT_WRITEBACK,
	OPT_LOG_LEVEL, OPT_PRINT_CAPS, OPT_TRACE,
};

static const struct option longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "foreground", no_argument, NULL, 'f' },
	{ "debug", no_argument, NULL, 'd' },
	{ "options", required_argument, NULL, 'o' },
	{ "socket-path", required_argument, NULL, OPT_SOCKET_PATH },
	{ "fd", required_argument, NULL, OPT_FD },
	{ "shared-dir", required_argument, NULL, OPT_SHARED_DIR },
	{ "cache", required_argument, NULL, OPT_CACHE },
	{ "thread-pool-size", required_argument, NULL, OPT_THREAD_POOL_SIZE },
	{ "xattr", no_argument, NULL, OPT_XATTR },
	{ "readonly", no_argument, NULL, OPT_READONLY },
	{ "writeback", no_argument, NULL, OPT_WRITEBACK },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
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
	      "     --shared-dir <dir>    the directory to share\n"
	      " -o, --options <list>      virtiofsd-style: source=<dir>, cache=<mode>,\n"
	      "                           xattr, no_xattr, writeback, no_writeback,\n"
	      "                           readonly, log_level=<level>\n"
	      "     --cache <mode>        never, metadata, auto (default) or always\n"
	      "     --thread-pool-size <n> accepted for compatibility\n"
	      "     --xattr               serve extended attributes\n"
	      "     --readonly            refuse every change to the shared directory\n"
	      "     --writeback           let the guest cache writes\n"
	      "     --log-level <level>   error, warn, info (default) or debug\n"
	      "     --trace <file>        record every FUSE message (see fbr-trace(1))\n"
	      " -f, --foreground          accepted: fbr-virtiofsd never detaches\n"
	      " -d, --debug               the same as --log-level debug\n"
	      "     --print-capabilities  print the vhost-user back-end capabilities\n"
	      " -h, --help                display this help\n"
	      " -V, --version             display version\n"
	      "\n"
	      "For more details see fbr-virtiofsd(1).\n", stdout);
}

#define N_ELEM(x) (sizeof(x) / sizeof((x)[0]))

static int bad_value(const char *what, const char *val)
{
	usage_error("invalid %s: '%s'", what, val);
	return EXIT_USAGE;
}

static const struct {
	const char *name;
	enum fbr_pt_cache mode;
} cache_names[] = {
	{ "never", FBR_PT_CACHE_NEVER }, { "none", FBR_PT_CACHE_NEVER },
	{ "metadata", FBR_PT_CACHE_METADATA }, { "auto", FBR_PT_CACHE_AUTO },
	{ "always", FBR_PT_CACHE_ALWAYS },
};

static int set_cache(struct args *a, const char *val)
{
	for (size_t i = 0; i < N_ELEM(cache_names); i++) {
		if (!strcmp(val, cache_names[i].name)) {
			a->pt.cache = cache_names[i].mode;
			return EXIT_OK;
		}
	}
	return bad_value("cache mode", val);
}

static const char *const level_names[] = {
	[FBR_LOG_ERR] = "error", [FBR_LOG_WARN] = "warn",
	[FBR_LOG_INFO] = "info", [FBR_LOG_DEBUG] = "debug",
};

static int set_level(struct args *a, const char *val)
{
	for (size_t i = 0; i < N_ELEM(level_names); i++) {
		if (!strcmp(val, level_names[i])) {
			a->log_level = (enum fbr_log_level)i;
			return EXIT_OK;
		}
	}
	return bad_value("log level", val);
}

static int set_uint(const char *what, const char *val, unsigned max,
		    unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(val, &end, 10);
	if (errno || end == val || *end || v > max || val[0] == '-')
		return bad_value(what, val);
	*out = (unsigned)v;
	return EXIT_OK;
}

static int set_fd(struct args *a, const char *val)
{
	unsigned fd;
	int ret = set_uint("file descriptor", val, INT_MAX, &fd);

	a->fd = (int)fd;
	return ret;
}

/* One item of -o. */
static int set_option(struct args *a, char *o)
{
	char *val = strchr(o, '=');

	if (val)
		*val++ = '\0';
	if (!strcmp(o, "source") && val)
		a->pt.source = val;
	else if (!strcmp(o, "cache") && val)
		return set_cache(a, val);
	else if (!strcmp(o, "log_level") && val)
		return set_level(a, val);
	else if (!strcmp(o, "xattr") && !val)
		a->pt.xattr = true;
	else if (!strcmp(o, "no_xattr") && !val)
		a->pt.xattr = false;
	else if (!strcmp(o, "writeback") && !val)
		a->pt.writeback = true;
	else if (!strcmp(o, "no_writeback") && !val)
		a->pt.writeback = false;
	else if (!strcmp(o, "readonly") && !val)
		a->pt.readonly = true;
	else
		return bad_value("option", o);
	return EXIT_OK;
}

/* Items point into argv, which lives as long as the process. */
static int parse_list(struct args *a, char *list)
{
	char *save = NULL;
	int ret = EXIT_OK;

	for (char *o = strtok_r(list, ",", &save); o && ret == EXIT_OK;
	     o = strtok_r(NULL, ",", &save))
		ret = set_option(a, o);
	return ret;
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
	case OPT_READONLY:
		a->pt.readonly = true;
		return EXIT_OK;
	case OPT_WRITEBACK:
		a->pt.writeback = true;
		return EXIT_OK;
	case OPT_PRINT_CAPS:
		a->print_caps = true;
		return EXIT_OK;
	default:
		return EXIT_USAGE;
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
		return parse_list(a, arg);
	case OPT_SOCKET_PATH:
		a->socket_path = arg;
		return EXIT_OK;
	case OPT_FD:
		return set_fd(a, arg);
	case OPT_SHARED_DIR:
		a->pt.source = arg;
		return EXIT_OK;
	case OPT_CACHE:
		return set_cache(a, arg);
	case OPT_THREAD_POOL_SIZE:
		return set_uint("thread pool size", arg, 1024, &a->threads);
	case OPT_LOG_LEVEL:
		return set_level(a, arg);
	case OPT_TRACE:
		return (cli_abs_path(arg, &a->trace_file) ? EXIT_OK : EXIT_FAIL);
	default:
		return parse_flag(a, c);
	}
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
	if (!a->pt.source) {
		usage_error("missing --shared-dir (or -o source=)");
		return EXIT_USAGE;
	}
	return EXIT_OK;
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
