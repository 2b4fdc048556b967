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
	int ret = parse_args(argc, argv, &a, &done);

	if (ret == EXIT_OK && !done) {
		out_init(a.debug);
		ret = run(&a);
	}
	free(a.stats_file);
	free(a.trace_file);
	for (size_t i = 0; i < a.nlists; i++)
		free(a.lists[i]);
	free(a.lists);
	return ret;
}
