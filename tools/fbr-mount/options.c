/*
 * fbr-mount's command line: long options and a mount(8)-style -o list,
 * accepted before or after the two operands since mount.fuse3 runs
 * "fbr-mount SOURCE MOUNTPOINT -o OPTIONS".  Options mount(8) and fstab
 * use for themselves (noauto, _netdev, user, ...) are accepted and
 * ignored, as a mount helper must.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "fbr-mount.h"
#include "../mountopts.h"

enum {
	OPT_CACHE = 256, OPT_THREADS, OPT_ENTRY_TIMEOUT, OPT_ATTR_TIMEOUT,
	OPT_WRITEBACK, OPT_XATTR, OPT_KILLPRIV_V2, OPT_NO_PASSTHROUGH, OPT_STATS_FILE, OPT_TRACE,
	OPT_URING, OPT_NO_URING, OPT_POLL, OPT_MOUNT,
};

static const struct option longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "foreground", no_argument, NULL, 'f' },
	{ "debug", no_argument, NULL, 'd' },
	{ "options", required_argument, NULL, 'o' },
	{ "cache", required_argument, NULL, OPT_CACHE },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "entry-timeout", required_argument, NULL, OPT_ENTRY_TIMEOUT },
	{ "attr-timeout", required_argument, NULL, OPT_ATTR_TIMEOUT },
	{ "writeback", no_argument, NULL, OPT_WRITEBACK },
	{ "xattr", no_argument, NULL, OPT_XATTR },
	{ "killpriv-v2", no_argument, NULL, OPT_KILLPRIV_V2 },
	{ "no-passthrough", no_argument, NULL, OPT_NO_PASSTHROUGH },
	{ "uring", no_argument, NULL, OPT_URING },
	{ "no-uring", no_argument, NULL, OPT_NO_URING },
	{ "poll", required_argument, NULL, OPT_POLL },
	{ "stats-file", required_argument, NULL, OPT_STATS_FILE },
	{ "trace", required_argument, NULL, OPT_TRACE },
	{ "mount", required_argument, NULL, OPT_MOUNT },
	{ NULL, 0, NULL, 0 },
};

static void usage(void)
{
	fputs("Usage: fbr-mount [options] <source> <mountpoint>\n"
	      "       fbr-mount [options] --mount <path>=<source>... <mountpoint>\n"
	      "\n"
	      "Serve the directory <source> as a FUSE filesystem at <mountpoint>;\n"
	      "or several, each at its <path> in a read-only tree of directories.\n"
	      "\n"
	      "Options:\n"
	      "     --mount <path>=<source>\n"
	      "                           serve <source> at <path> (absolute, not inside\n"
	      "                           another); repeatable, instead of <source>\n"
	      " -o, --options <list>      mount options, comma-separated (see below)\n"
	      " -f, --foreground          stay in the foreground\n"
	      " -d, --debug               log every request; implies -f\n"
	      "     --cache <mode>        never, metadata, auto (default) or always\n"
	      "     --entry-timeout <s>   how long the kernel may trust a name\n"
	      "     --attr-timeout <s>    how long the kernel may trust attributes\n"
	      "     --writeback           let the kernel cache writes\n"
	      "     --xattr               serve extended attributes\n"
	      "     --killpriv-v2         let the server clear setuid bits on write\n"
	      "     --no-passthrough      no FUSE passthrough: reads and writes\n"
	      "                           go through the server\n"
	      "     --uring               FUSE over io_uring, warning where the\n"
	      "                           kernel does not offer it (default: used\n"
	      "                           where offered)\n"
	      "     --no-uring            /dev/fuse reads only\n"
	      "     --poll <us>           io_uring threads poll that long for the\n"
	      "                           next request before sleeping (default 0)\n"
	      "     --threads <n>         most worker threads (default: 2 per CPU, 4 to 16)\n"
	      "     --stats-file <file>   where SIGUSR1 writes its report\n"
	      "     --trace <file>        record every FUSE message (see fbr-trace(1))\n"
	      " -h, --help                display this help\n"
	      " -V, --version             display version\n"
	      "\n"
	      "Mount options:\n"
	      MOUNTOPTS_HELP
	      " (allow_other implies default_permissions), no_default_permissions,\n"
	      " and cache=, entry_timeout=, attr_timeout=, writeback, xattr,\n"
	      " killpriv_v2, no_passthrough, uring, no_uring, poll=, threads= as above.\n"
	      "\n"
	      "For more details see fbr-mount(1).\n", stdout);
}

static const char *const cache_names[] = {
	[FBR_PT_CACHE_NEVER] = "never",
	[FBR_PT_CACHE_METADATA] = "metadata",
	[FBR_PT_CACHE_AUTO] = "auto",
	[FBR_PT_CACHE_ALWAYS] = "always",
};

#define N_ELEM(x) (sizeof(x) / sizeof((x)[0]))

static int set_cache(struct args *a, const char *val)
{
	for (size_t i = 0; i < N_ELEM(cache_names); i++) {
		if (!strcmp(val, cache_names[i])) {
			a->pt.cache = (enum fbr_pt_cache)i;
			return EXIT_OK;
		}
	}
	usage_error("invalid cache mode: '%s'", val);
	return EXIT_USAGE;
}

static int set_uint(const char *what, const char *val, unsigned min,
		    unsigned max, unsigned *out)
{
	return cli_uint(what, val, min, max, out) ? EXIT_OK : EXIT_USAGE;
}

static int set_timeout(const char *what, const char *val, double *out)
{
	return cli_double(what, val, 0, 1e9, out) ? EXIT_OK : EXIT_USAGE;
}

/* key=value options; *known false if key is not one. */
static int set_keyed(struct args *a, const char *key, const char *val,
		     bool *known)
{
	int ret = EXIT_OK;

	*known = true;
	if (!strcmp(key, "cache"))
		ret = set_cache(a, val);
	else if (!strcmp(key, "entry_timeout"))
		ret = set_timeout("entry timeout", val, &a->pt.entry_timeout);
	else if (!strcmp(key, "attr_timeout"))
		ret = set_timeout("attribute timeout", val, &a->pt.attr_timeout);
	else if (!strcmp(key, "threads"))
		ret = set_uint("thread count", val, 1, 64, &a->threads);
	else if (!strcmp(key, "poll"))
		ret = set_uint("poll time", val, 0, MAX_POLL_US, &a->poll_us);
	else
		*known = false;
	return ret;
}

/*
 * default_permissions and no_default_permissions: the last one given
 * counts.  True if opt is one of them.
 */
static bool set_perm_checks(struct args *a, const char *opt)
{
	if (!strcmp(opt, "default_permissions"))
		a->no_default_permissions = false;
	else if (!strcmp(opt, "no_default_permissions"))
		a->no_default_permissions = true;
	else
		return false;
	a->mnt.default_permissions = !a->no_default_permissions;
	return true;
}

/* On/off options: the flag each one turns on, or NULL. */
static bool *switch_field(struct args *a, const char *opt)
{
	if (!strcmp(opt, "writeback"))
		return &a->pt.writeback;
	if (!strcmp(opt, "xattr"))
		return &a->pt.xattr;
	if (!strcmp(opt, "killpriv_v2"))
		return &a->pt.killpriv_v2;
	return NULL;
}

/* The switches that are on by default, and uring's two settings. */
static bool set_defaulted(struct args *a, const char *opt)
{
	if (!strcmp(opt, "no_passthrough"))
		a->pt.passthrough = false;
	else if (!strcmp(opt, "uring"))
		a->uring = FBR_FUSEDEV_URING_ON;
	else if (!strcmp(opt, "no_uring"))
		a->uring = FBR_FUSEDEV_URING_OFF;
	else
		return false;
	return true;
}

static int set_option(struct args *a, char *opt)
{
	char *eq = strchr(opt, '=');
	bool *sw = switch_field(a, opt);
	bool known;
	int ret;

	if (sw)
		*sw = true;
	if (!*opt || sw || set_perm_checks(a, opt) || set_defaulted(a, opt))
		return EXIT_OK;
	ret = mountopt_set(&a->mnt, opt);
	if (ret)
		return ret > 0 ? EXIT_OK : EXIT_USAGE;
	if (eq) {
		*eq = '\0';
		ret = set_keyed(a, opt, eq + 1, &known);
		*eq = '=';
		if (known)
			return ret;
	}
	usage_error("unknown mount option '%s'", opt);
	return EXIT_USAGE;
}

static int set_listed(void *a, char *opt)
{
	return set_option(a, opt);
}

static int parse_one(struct args *a, int c, const char *arg, bool *done)
{
	switch (c) {
	case 'h':
		usage();
		*done = true;
		return EXIT_OK;
	case 'V':
		printf("fbr-mount %s\n", PACKAGE_VERSION);
		*done = true;
		return EXIT_OK;
	case 'f':
		a->foreground = true;
		return EXIT_OK;
	case 'd':
		a->debug = a->foreground = true;
		return EXIT_OK;
	case 'o':
		return cli_opt_list(&a->lists, arg, set_listed, a, EXIT_OK,
				    EXIT_FAIL);
	case OPT_CACHE:
		return set_cache(a, arg);
	case OPT_THREADS:
		return set_uint("thread count", arg, 1, 64, &a->threads);
	case OPT_POLL:
		return set_uint("poll time", arg, 0, MAX_POLL_US, &a->poll_us);
	case OPT_ENTRY_TIMEOUT:
		return set_timeout("entry timeout", arg, &a->pt.entry_timeout);
	case OPT_ATTR_TIMEOUT:
		return set_timeout("attribute timeout", arg, &a->pt.attr_timeout);
	case OPT_WRITEBACK:
		a->pt.writeback = true;
		return EXIT_OK;
	case OPT_XATTR:
		a->pt.xattr = true;
		return EXIT_OK;
	case OPT_KILLPRIV_V2:
		a->pt.killpriv_v2 = true;
		return EXIT_OK;
	case OPT_NO_PASSTHROUGH:
		a->pt.passthrough = false;
		return EXIT_OK;
	case OPT_URING:
		a->uring = FBR_FUSEDEV_URING_ON;
		return EXIT_OK;
	case OPT_NO_URING:
		a->uring = FBR_FUSEDEV_URING_OFF;
		return EXIT_OK;
	case OPT_STATS_FILE:
		return cli_abs_path(arg, &a->stats_file) ? EXIT_OK : EXIT_FAIL;
	case OPT_TRACE:
		return cli_abs_path(arg, &a->trace_file) ? EXIT_OK : EXIT_FAIL;
	case OPT_MOUNT:
		return vfs_mounts_add(&a->mounts, arg);
	default:
		return EXIT_USAGE;
	}
}

/* With --mount, the mountpoint alone. */
static int vfs_operands(struct args *a, int argc, char **argv)
{
	if (argc < 1) {
		usage_error("missing mountpoint");
		return EXIT_USAGE;
	}
	if (argc > 1) {
		usage_error("a source and --mount exclude each other");
		return EXIT_USAGE;
	}
	a->mountpoint = argv[0];
	return EXIT_OK;
}

static int operands(struct args *a, int argc, char **argv)
{
	if (a->mounts.n)
		return vfs_operands(a, argc, argv);
	if (argc < 1) {
		usage_error("missing source");
		return EXIT_USAGE;
	}
	if (argc < 2) {
		usage_error("missing mountpoint");
		return EXIT_USAGE;
	}
	if (argc > 2) {
		usage_error("unexpected argument '%s'", argv[2]);
		return EXIT_USAGE;
	}
	a->source = argv[0];
	a->mountpoint = argv[1];
	return EXIT_OK;
}

int parse_args(int argc, char **argv, struct args *a, bool *done)
{
	int c, ret = EXIT_OK;

	*a = (struct args){
		.mnt = { .subtype = "fbr-mount" },
		.uring = FBR_FUSEDEV_URING_AUTO,
		.pt = { .cache = FBR_PT_CACHE_AUTO, .entry_timeout = -1,
			.attr_timeout = -1, .host_pids = true,
			.passthrough = true },
	};
	*done = false;
	opterr = 0;
	while (ret == EXIT_OK && !*done &&
	       (c = getopt_long(argc, argv, ":hVfdo:", longopts, NULL)) != -1)
		ret = c == '?' || c == ':' ? cli_bad_option(c, argv)
					   : parse_one(a, c, optarg, done);
	if (ret != EXIT_OK || *done)
		return ret;
	ret = operands(a, argc - optind, argv + optind);
	if (!a->mnt.fsname)
		a->mnt.fsname = a->source ? a->source : "vfs";
	a->pt.source = a->source;
	a->pt.readonly = (a->mnt.flags & MS_RDONLY) != 0;
	/* FUSE sends no supplementary groups: only the kernel, which has
	   them, can check permissions for other users exactly. */
	if (a->mnt.allow_other && !a->no_default_permissions)
		a->mnt.default_permissions = true;
	return ret;
}
