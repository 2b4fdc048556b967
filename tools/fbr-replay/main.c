/*
 * fbr-replay: replay a recorded stream of FUSE requests against the
 * dispatcher and a driver, and report every reply that differs from the
 * recorded one.  Parse the arguments, then run.
 */
#include <stdbool.h>
#include <stdlib.h>

#include "fbr-replay.h"

int main(int argc, char **argv)
{
	struct args a;
	bool done;
	int ret;

	cli_init("fbr-replay");
	ret = parse_args(argc, argv, &a, &done);
	if (ret == EXIT_SAME && !done) {
		const char *env = getenv("FBR_DEBUG");

		/* The library's warnings are about the trace's requests, which
		   the replies show: only errors, unless FBR_DEBUG asks. */
		cli_log_init(env && *env ? FBR_LOG_DEBUG : FBR_LOG_ERR, env);
		ret = run(&a);
	}
	free_args(&a);
	return ret;
}
