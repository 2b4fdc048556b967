/*
 * fbr-replay's command line.  One operand, the trace; the options say
 * what to replay it against (the driver, its -o options, the directory
 * and the initial tree) and how (check, --bench, --pace, --threads).  The
 * driver options take the names fbr-mount gives them, so a recording's
 * mount options can be handed over as they are.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fbr-replay.h"

enum {
	OPT_BENCH = 256, OPT_PACE, OPT_KEEP_ROOT,
};

static const struct option longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "root", required_argument, NULL, 'r' },
	{ "tree", required_argument, NULL, 't' },
	{ "driver", required_argument, NULL, 'd' },
	{ "options", required_argument, NULL, 'o' },
	{ "strict", no_argument, NULL, 's' },
	{ "keep-going", no_argument, NULL, 'k' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "context", required_argument, NULL, 'C' },
	{ "threads", required_argument, NULL, 'j' },
	{ "bench", no_argument, NULL, OPT_BENCH },
	{ "pace", required_argument, NULL, OPT_PACE },
	{ "keep-root", no_argument, NULL, OPT_KEEP_ROOT },
	{ NULL, 0, NULL, 0 },
};

static void usage(void)
{
	printf("Usage: fbr-replay [options] <trace>\n"
	       "\n"
	       "Replay a trace of FUSE requests (fbr-mount --trace) against the\n"
	       "dispatcher and a driver, and report every reply that differs from\n"
	       "the recorded one.\n"
	       "\n"
	       "What to replay against:\n"
	       " -r, --root <dir>          serve this directory, changing it in place\n"
	       "                           (default: a fresh empty scratch directory)\n"
	       " -t, --tree <dir|tar>      fill the scratch directory from this first\n"
	       "     --keep-root           keep the scratch directory, and say where\n"
	       " -d, --driver <name>       the driver to replay against: %s\n"
	       "                           (default: passthrough)\n"
	       " -o, --options <list>      driver options, as fbr-mount takes them:\n"
	       "                           cache=, entry_timeout=, attr_timeout=,\n"
	       "                           writeback, xattr, killpriv_v2, ro,\n"
	       "                           no_passthrough\n"
	       "\n"
	       "How:\n"
	       " -s, --strict              compare the masked fields too (times, ...)\n"
	       " -k, --keep-going          report every divergence, not just the first\n"
	       " -C, --context <n>         requests shown before a divergence (5)\n"
	       " -q, --quiet               print nothing; the exit status says it all\n"
	       " -j, --threads <n>         replay on n threads, keeping the order of\n"
	       "                           requests on the same node or handle\n"
	       "     --bench               as fast as possible: requests per second and\n"
	       "                           latency per opcode, errors compared only\n"
	       "     --pace <speed>        keep the recorded timing: 'original', or xN\n"
	       "                           for N times as fast (x2, x0.5)\n"
	       "\n"
	       " -h, --help                display this help\n"
	       " -V, --version             display version\n"
	       "\n"
	       "Exit status: 0 all replies as recorded, 1 divergences, 2 trouble.\n"
	       "For more details see fbr-replay(1).\n", replay_driver_list);
}

static int bad_value(const char *what, const char *val)
{
	usage_error("invalid %s: '%s'", what, val);
	return EXIT_TROUBLE;
}

static int set_uint(const char *what, const char *val, unsigned min,
		    unsigned max, unsigned *out)
{
	return cli_uint(what, val, min, max, out) ? EXIT_SAME : EXIT_TROUBLE;
}

static int set_double(const char *what, const char *val, double min,
		      double max, double *out)
{
	return cli_double(what, val, min, max, out) ? EXIT_SAME : EXIT_TROUBLE;
}

/* "original" is x1; "x2" replays twice as fast, "x0.5" half as fast. */
static int set_pace(struct args *a, const char *val)
{
	char *end;
	double t;

	if (!strcmp(val, "original")) {
		a->pace = 1;
		return EXIT_SAME;
	}
	if (val[0] != 'x')
		return bad_value("pace", val);
	errno = 0;
	t = strtod(val + 1, &end);
	if (errno || end == val + 1 || *end || !(t >= 1e-3 && t <= 1e6))
		return bad_value("pace", val);
	a->pace = t;
	return EXIT_SAME;
}

static int set_cache(struct args *a, const char *val)
{
	static const char *const names[] = {
		[FBR_PT_CACHE_NEVER] = "never",
		[FBR_PT_CACHE_METADATA] = "metadata",
		[FBR_PT_CACHE_AUTO] = "auto",
		[FBR_PT_CACHE_ALWAYS] = "always",
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(val, names[i])) {
			a->pt.cache = (enum fbr_pt_cache)i;
			return EXIT_SAME;
		}
	}
	return bad_value("cache mode", val);
}

/* One driver option of a -o list. */
static int set_option(struct args *a, char *opt)
{
	char *val = strchr(opt, '=');

	if (val)
		*val++ = '\0';
	if (!val && !strcmp(opt, "writeback"))
		a->pt.writeback = true;
	else if (!val && !strcmp(opt, "xattr"))
		a->pt.xattr = true;
	else if (!val && !strcmp(opt, "killpriv_v2"))
		a->pt.killpriv_v2 = true;
	else if (!val && !strcmp(opt, "ro"))
		a->pt.readonly = true;
	else if (!val && !strcmp(opt, "no_passthrough"))
		a->pt.passthrough = false;
	else if (val && !strcmp(opt, "cache"))
		return set_cache(a, val);
	else if (val && !strcmp(opt, "entry_timeout"))
		return set_double("entry timeout", val, 0, 1e9,
				  &a->pt.entry_timeout);
	else if (val && !strcmp(opt, "attr_timeout"))
		return set_double("attribute timeout", val, 0, 1e9,
				  &a->pt.attr_timeout);
	else if (*opt) {
		usage_error("unknown driver option '%s'", opt);
		return EXIT_TROUBLE;
	}
	return EXIT_SAME;
}

static int set_listed(void *a, char *opt)
{
	return set_option(a, opt);
}

static int set_flag(struct args *a, int c)
{
	switch (c) {
	case 's': a->strict = true; break;
	case 'k': a->keep_going = true; break;
	case 'q': a->quiet = true; break;
	case OPT_BENCH: a->bench = true; break;
	case OPT_KEEP_ROOT: a->keep_root = true; break;
	default: return EXIT_TROUBLE;
	}
	return EXIT_SAME;
}

static int parse_one(struct args *a, int c, const char *arg, bool *done)
{
	switch (c) {
	case 'h':
		usage();
		*done = true;
		return EXIT_SAME;
	case 'V':
		printf("fbr-replay %s\n", PACKAGE_VERSION);
		*done = true;
		return EXIT_SAME;
	case 'r': a->root = arg; return EXIT_SAME;
	case 't': a->tree = arg; return EXIT_SAME;
	case 'd':
		a->driver = arg;
		if (replay_driver_known(arg))
			return EXIT_SAME;
		usage_error("unknown driver '%s' (known: %s)", arg,
			    replay_driver_list);
		return EXIT_TROUBLE;
	case 'o': return cli_opt_list(&a->lists, arg, set_listed, a, EXIT_SAME,
				      EXIT_TROUBLE);
	case 'C': return set_uint("context", arg, 0, 1000, &a->context);
	case 'j': return set_uint("thread count", arg, 1, 64, &a->threads);
	case OPT_PACE: return set_pace(a, arg);
	default: return set_flag(a, c);
	}
}

/* What does not go together, and the operand. */
static int check(struct args *a, int argc, char **argv)
{
	const char *clash = a->root && a->tree ? "--root and --tree" :
			    a->bench && a->pace ? "--bench and --pace" :
			    a->root && a->keep_root ? "--root and --keep-root" :
			    NULL;

	if (clash) {
		usage_error("%s exclude each other", clash);
		return EXIT_TROUBLE;
	}
	if (argc < 1) {
		usage_error("missing trace file");
		return EXIT_TROUBLE;
	}
	if (argc > 1) {
		usage_error("unexpected argument '%s'", argv[1]);
		return EXIT_TROUBLE;
	}
	a->file = argv[0];
	return EXIT_SAME;
}

int parse_args(int argc, char **argv, struct args *a, bool *done)
{
	int c, ret = EXIT_SAME;

	*a = (struct args){
		.driver = "passthrough",
		.context = 5,
		/* fbr-mount's defaults; the pids of a trace are nobody's here. */
		.pt = { .cache = FBR_PT_CACHE_AUTO, .entry_timeout = -1,
			.attr_timeout = -1, .host_pids = false,
			.passthrough = true },
	};
	*done = false;
	opterr = 0;
	while (ret == EXIT_SAME && !*done &&
	       (c = getopt_long(argc, argv, ":hVr:t:d:o:skqC:j:", longopts,
				NULL)) != -1)
		ret = c == '?' || c == ':' ? cli_bad_option(c, argv)
					   : parse_one(a, c, optarg, done);
	if (ret != EXIT_SAME || *done)
		return ret;
	return check(a, argc - optind, argv + optind);
}

void free_args(struct args *a)
{
	cli_lists_free(&a->lists);
}
