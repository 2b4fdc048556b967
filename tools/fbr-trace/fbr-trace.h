/*
 * fbr-trace: what its parts share.  main.c parses the command line
 * (options.c) and runs the decoding (run.c), or hands it to a subcommand:
 * record (record.c, with relay.c) or kernel (kernel.c).  The decoding
 * itself is lib/trace/.
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
	/* fbr-trace kernel: */
	bool kernel;
	const char *output;       /* -o: a trace file rather than lines */
	const char *mountpoint;   /* the operand: that mount's connection */
	bool by_connection;       /* --connection N */
	uint32_t connection;
	bool json, summary, histogram, hexdump, follow, check, epoch;
	const char *perfetto;     /* --perfetto FILE, or NULL */
	struct fbr_filter filter;
};

/* options.c: returns EXIT_OK to go on, or the code to exit with.  kernel:
   parse what follows "fbr-trace kernel". */
int parse_args(int argc, char **argv, bool kernel, struct args *a,
	       bool *done);

/* run.c: decode a->file as asked; an exit code. */
int run(const struct args *a);

/* run.c: decoding records as they come, to the outputs a asks for. */
struct decoding;
struct fbr_trace_file_header;
struct fbr_trace_rec;
int decoding_open(const struct args *a, const struct fbr_trace_file_header *h,
		  const char *title, struct decoding **out);
/* 0, or -errno (-ENOMEM). */
int decoding_feed(struct decoding *s, const struct fbr_trace_rec *rec);
/* Out with what has collected: a live view. */
void decoding_flush(struct decoding *s);
/* The end: summaries and checks printed; an exit code. */
int decoding_close(struct decoding *s);

/* record.c: `fbr-trace record ...` (argv[0] is "record"); an exit code. */
int record_main(int argc, char **argv);

/* kernel.c: `fbr-trace kernel ...` as parsed into a; an exit code. */
int kernel_run(const struct args *a);

#endif
