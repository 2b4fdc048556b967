/*
 * fbr-trace: decode a trace of FUSE traffic (fbr-mount --trace) into one
 * line per request and reply, a per-opcode summary, a list of protocol
 * violations, or a Perfetto timeline.  Parse the arguments, then run.
 * A first argument "record" is the subcommand that records a libfuse
 * server (a trace file of that name is ./record).
 */
#include <stdbool.h>
#include <string.h>

#include "fbr-trace.h"

int main(int argc, char **argv)
{
	struct args a;
	bool done;
	int ret;

	cli_init("fbr-trace");
	if (argc > 1 && !strcmp(argv[1], "record"))
		return record_main(argc - 1, argv + 1);
	ret = parse_args(argc, argv, &a, &done);
	if (ret == EXIT_OK && !done)
		ret = run(&a);
	return ret;
}
