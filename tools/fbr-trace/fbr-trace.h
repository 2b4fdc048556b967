/*
 * fbr-trace: what its parts share.  main.c parses the command line
 * (options.c) and runs the decoding (run.c), or hands it to a subcommand:
 * record (record.c, with relay.c).  The decoding itself is lib/trace/.
 */
#ifndef FBR_TRACE_TOOL_H
#define FBR_TRACE_TOOL_H

#include <stdbool.h>

#include "../cli.h"
#include "trace/filter.h"

/* The exit codes, as the man page lists them. */
enum {
	EXIT_OK = 0,      /* decoded, no violation found */
	EXIT_FAIL = 1,    /* unreadable or damaged file, or violations */
	EXIT_USAGE = 2,   /* bad command line */
};

struct args {
	const char *file;
	bool json, summary, histogram, hexdump, follow, check, epoch;
	const char *perfetto;     /* --perfetto FILE, or NULL */
	struct fbr_filter filter;
};

/* options.c: returns EXIT_OK to go on, or the code to exit with. */
int parse_args(int argc, char **argv, struct args *a, bool *done);

/* run.c: decode a->file as asked; an exit code. */
int run(const struct args *a);

/* record.c: `fbr-trace record ...` (argv[0] is "record"); an exit code. */
int record_main(int argc, char **argv);

#endif
