/*
 * fbr-mount: serve a directory as a FUSE filesystem through /dev/fuse,
 * mounted directly as root or through fusermount3 as a user, and usable
 * from /etc/fstab as type fuse.fbr-mount.  Parse the arguments, then run.
 */
#include <stdbool.h>
#include <stdlib.h>

#include "fbr-mount.h"

int main(int argc, char **argv)
{
	struct args a;
	bool done;
	int ret;

	cli_init("fbr-mount");
	ret = parse_args(argc, argv, &a, &done);

	if (ret == EXIT_OK && !done) {
		const char *env = getenv("FBR_DEBUG");

		/* -d or FBR_DEBUG: library details too; else warnings only. */
		cli_log_init(a.debug || (env && *env) ? FBR_LOG_DEBUG : FBR_LOG_WARN,
			     a.debug ? "all" : env);
		ret = run(&a);
	}
	free(a.stats_file);
	free(a.trace_file);
	cli_lists_free(&a.lists);
	vfs_mounts_free(&a.mounts);
	return ret;
}
