/*
 * fbr-trace's command line.  One operand, the trace file; the options
 * choose the output (lines, JSON, -c, --check, --perfetto) and which
 * events it shows.  A first argument "record" is a subcommand instead
 * (record.c parses its own).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fbr-trace.h"

enum {
	OPT_JSON = 256, OPT_HISTOGRAM, OPT_PERFETTO, OPT_CHECK, OPT_ERRNO,
	OPT_FROM, OPT_TO, OPT_CONNECTION,
};

static const struct option longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "summary", no_argument, NULL, 'c' },
	{ "histogram", no_argument, NULL, OPT_HISTOGRAM },
	{ "hexdump", no_argument, NULL, 'x' },
	{ "follow", no_argument, NULL, 'F' },
	{ "perfetto", required_argument, NULL, OPT_PERFETTO },
	{ "check", no_argument, NULL, OPT_CHECK },
	{ "epoch", no_argument, NULL, 't' },
	{ "opcode", required_argument, NULL, 'e' },
	{ "errno", required_argument, NULL, OPT_ERRNO },
	{ "failed", no_argument, NULL, 'Z' },
	{ "nodeid", required_argument, NULL, 'n' },
	{ "path", required_argument, NULL, 'P' },
	{ "from", required_argument, NULL, OPT_FROM },
	{ "to", required_argument, NULL, OPT_TO },
	{ "output", required_argument, NULL, 'o' },
	{ "connection", required_argument, NULL, OPT_CONNECTION },
	{ NULL, 0, NULL, 0 },
};

static void usage(void)
{
	fputs("Usage: fbr-trace [options] <file>\n"
	      "       fbr-trace record -o <file> [options] [--] <command>...\n"
	      "\n"
	      "Decode a trace of FUSE messages, as fbr-mount --trace records it:\n"
	      "one line per request and its reply, with the time it took.\n"
	      "Or record a libfuse server: see fbr-trace record --help.\n"
	      "\n"
	      "Output:\n"
	      "     --json                one JSON object per line\n"
	      " -x, --hexdump             the message payloads in hex, too\n"
	      " -t, --epoch               times since the epoch, not the trace start\n"
	      " -c, --summary             calls, errors and latency per opcode\n"
	      "     --histogram           with -c: a latency histogram per opcode\n"
	      "     --check               report protocol violations instead\n"
	      "     --perfetto <file>     write a timeline for Perfetto there too\n"
	      " -F, --follow              wait for more at the end of the file\n"
	      "\n"
	      "Filters:\n"
	      " -e, --opcode <list>       these opcodes (LOOKUP,READ,...; NOTIFY)\n"
	      "     --errno <list>        replies with these errors (ENOENT,...)\n"
	      " -Z, --failed              failed or unanswered requests only\n"
	      " -n, --nodeid <n>          requests about this nodeid\n"
	      " -P, --path <prefix>       requests about this path or below it\n"
	      "     --from <seconds>      from this time on (since the trace start)\n"
	      "     --to <seconds>        up to this time\n"
	      "\n"
	      " -h, --help                display this help\n"
	      " -V, --version             display version\n"
	      "\n"
	      "Exit status: 0 ok, 1 damaged file or violations found, 2 usage.\n"
	      "For more details see fbr-trace(1) and fbr-trace(5).\n", stdout);
}

static void kernel_usage(void)
{
	fputs("Usage: fbr-trace kernel [options] [<mountpoint>]\n"
	      "\n"
	      "Watch FUSE requests through the kernel's tracepoints, on the mount\n"
	      "at <mountpoint> or on every FUSE mount, until interrupted: opcode,\n"
	      "unique, lengths, error and latency, no payload.\n"
	      "\n"
	      "Options:\n"
	      " -o, --output <file>       record a trace there rather than print\n"
	      "     --connection <n>      the mount whose connection number is n\n"
	      "                           (as in /sys/fs/fuse/connections)\n"
	      " and the output options and filters of fbr-trace (see --help)\n"
	      " -h, --help                display this help\n"
	      "\n"
	      "Exit status: 0 ok, 1 tracing failed, 2 usage.\n", stdout);
}

static int bad_value(const char *what, const char *val)
{
	usage_error("invalid %s: '%s'", what, val);
	return EXIT_USAGE;
}

/* Seconds with decimals, into ns. */
static int set_time(const char *what, const char *val, uint64_t *out)
{
	char *end;
	double t;

	errno = 0;
	t = strtod(val, &end);
	if (errno || end == val || *end || !(t >= 0 && t < 1e9))
		return bad_value(what, val);
	*out = (uint64_t)(t * 1e9 + 0.5);
	return EXIT_OK;
}

static int set_nodeid(struct args *a, const char *val)
{
	char *end;

	errno = 0;
	a->filter.nodeid = strtoull(val, &end, 0);
	if (errno || end == val || *end || *val == '-')
		return bad_value("nodeid", val);
	a->filter.by_nodeid = true;
	return EXIT_OK;
}

static int set_list(struct args *a, int c, char *list)
{
	const char *bad = NULL;
	int err = c == 'e' ? fbr_filter_opcodes(&a->filter, list, &bad)
			   : fbr_filter_errnos(&a->filter, list, &bad);

	if (err == 0)
		return EXIT_OK;
	usage_error("unknown %s '%s'", c == 'e' ? "opcode" : "errno", bad);
	return EXIT_USAGE;
}

static int set_flag(struct args *a, int c)
{
	switch (c) {
	case OPT_JSON: a->json = true; break;
	case 'c': a->summary = true; break;
	case OPT_HISTOGRAM: a->histogram = a->summary = true; break;
	case 'x': a->hexdump = true; break;
	case 'F': a->follow = true; break;
	case OPT_CHECK: a->check = true; break;
	case 't': a->epoch = true; break;
	case 'Z': a->filter.failed = true; break;
	default: return EXIT_USAGE;
	}
	return EXIT_OK;
}

static int set_connection(struct args *a, const char *val)
{
	unsigned long n;
	char *end;

	errno = 0;
	n = strtoul(val, &end, 10);
	if (errno || end == val || *end || *val == '-' || n > UINT32_MAX)
		return bad_value("connection", val);
	a->connection = (uint32_t)n;
	a->by_connection = true;
	return EXIT_OK;
}

static int parse_one(struct args *a, int c, char *arg, bool *done)
{
	switch (c) {
	case 'h':
		a->kernel ? kernel_usage() : usage();
		*done = true;
		return EXIT_OK;
	case 'o':
		a->output = arg;
		return EXIT_OK;
	case OPT_CONNECTION:
		return set_connection(a, arg);
	case 'V':
		printf("fbr-trace %s\n", PACKAGE_VERSION);
		*done = true;
		return EXIT_OK;
	case OPT_PERFETTO:
		a->perfetto = arg;
		return EXIT_OK;
	case 'e': case OPT_ERRNO:
		return set_list(a, c, arg);
	case 'n':
		return set_nodeid(a, arg);
	case 'P':
		a->filter.path = arg;
		return EXIT_OK;
	case OPT_FROM:
		return set_time("start time", arg, &a->filter.from);
	case OPT_TO:
		return set_time("end time", arg, &a->filter.to);
	default:
		return set_flag(a, c);
	}
}

static int kernel_operands(struct args *a, int argc, char **argv)
{
	if (argc > 1) {
		usage_error("unexpected argument '%s'", argv[1]);
		return EXIT_USAGE;
	}
	if (argc == 1 && a->by_connection) {
		usage_error("a mountpoint and --connection: give one");
		return EXIT_USAGE;
	}
	if (a->follow) {
		usage_error("kernel: -F is for files");
		return EXIT_USAGE;
	}
	if (a->output && (a->json || a->summary || a->check || a->perfetto ||
			  a->hexdump)) {
		usage_error("kernel: -o records; decode the file with those options");
		return EXIT_USAGE;
	}
	a->mountpoint = argc ? argv[0] : NULL;
	return EXIT_OK;
}

static int operands(struct args *a, int argc, char **argv)
{
	if (a->kernel)
		return kernel_operands(a, argc, argv);
	if (a->output || a->by_connection) {
		usage_error("-o and --connection are for 'fbr-trace kernel'");
		return EXIT_USAGE;
	}
	if (argc < 1) {
		usage_error("missing trace file");
		return EXIT_USAGE;
	}
	if (argc > 1) {
		usage_error("unexpected argument '%s'", argv[1]);
		return EXIT_USAGE;
	}
	a->file = argv[0];
	return EXIT_OK;
}

int parse_args(int argc, char **argv, bool kernel, struct args *a,
	       bool *done)
{
	int c, ret = EXIT_OK;

	*a = (struct args){ .kernel = kernel };
	*done = false;
	opterr = 0;
	while (ret == EXIT_OK && !*done &&
	       (c = getopt_long(argc, argv, ":hVcxFte:Zn:P:o:", longopts, NULL)) != -1)
		ret = c == '?' || c == ':' ? cli_bad_option(c, argv)
					   : parse_one(a, c, optarg, done);
	if (ret != EXIT_OK || *done)
		return ret;
	if (a->filter.to && a->filter.to < a->filter.from) {
		usage_error("--to is before --from");
		return EXIT_USAGE;
	}
	return operands(a, argc - optind, argv + optind);
}
