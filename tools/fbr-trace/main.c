/*
 * fbr-trace: decode a trace of FUSE traffic (fbr-mount --trace) into one
 * line per request and reply, a per-opcode summary, a list of protocol
 * violations, or a Perfetto timeline.  Parse the arguments, then run.
 */
#include <stdbool.h>

#include "fbr-trace.h"

int main(int argc, char **argv)
{
	struct args a;
	bool done;
	int ret;

	cli_init("fbr-trace");
	ret = parse_args(argc, argv, &a, &done);
	if (ret == EXIT_OK && !done)
		ret = run(&a);
	return ret;
}
