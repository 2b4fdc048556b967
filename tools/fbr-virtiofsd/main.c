/*
 * fbr-virtiofsd: parse the arguments, then listen for one front-end (QEMU,
 * cloud-hypervisor) and serve it the shared directory until it hangs up.
 */
#include <stdlib.h>

#include "fbr-virtiofsd.h"

int main(int argc, char **argv)
{
	struct args a;
	bool done;
	int ret;

	cli_init("fbr-virtiofsd");
	ret = parse_args(argc, argv, &a, &done);
	if (ret == EXIT_OK && !done) {
		const char *env = getenv("FBR_DEBUG");

		cli_log_init(a.log_level, a.log_level == FBR_LOG_DEBUG ?
			     (env && *env ? env : "all") : NULL);
		ret = run(&a);
	}
	free(a.trace_file);
	vfs_mounts_free(&a.mounts);
	return ret;
}
