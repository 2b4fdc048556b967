/*
 * fbr-trace: decode a trace of FUSE traffic (fbr-mount --trace) into one
 * line per request and reply, a per-opcode summary, a list of protocol
 * violations, or a Perfetto timeline.  Parse the arguments, then run.
 * A first argument "record" or "kernel" is a subcommand: record a
 * libfuse server, or watch any mount through the kernel's tracepoints (a
 * trace file of either name is ./record, ./kernel).
 */
#include <stdbool.h>
#include <string.h>

#include "fbr-trace.h"

int main(int argc, char **argv)
{
	struct args a;
	bool done, kernel;
	int ret;

	cli_init("fbr-trace");
	if (argc > 1 && !strcmp(argv[1], "record"))
		return record_main(argc - 1, argv + 1);
	kernel = argc > 1 && !strcmp(argv[1], "kernel");
	ret = kernel ? parse_args(argc - 1, argv + 1, true, &a, &done)
		     : parse_args(argc, argv, false, &a, &done);
	if (ret == EXIT_OK && !done)
		ret = kernel ? kernel_run(&a) : run(&a);
	return ret;
}
