/*
 * --mount PATH=SOURCE, as fbr-mount and fbr-virtiofsd take it: several
 * source directories under one mount, each through the passthrough
 * driver, held by the vfs driver's pseudo tree.
 */
#ifndef FBR_TOOLS_VFSMOUNTS_H
#define FBR_TOOLS_VFSMOUNTS_H

#include <stddef.h>

#include "fbr/passthrough.h"

struct vfs_mounts {
	char **args;         /* "PATH=SOURCE" copies, cut at the '=' */
	const char **paths;  /* into args */
	const char **sources;
	size_t n;
};

/*
 * Add one --mount argument, checked against those before it: 0, or
 * CLI_EXIT_USAGE (said) for a bad one, or 1 (said) out of memory.
 */
int vfs_mounts_add(struct vfs_mounts *m, const char *arg);
void vfs_mounts_free(struct vfs_mounts *m);

/* The vfs over m, with backends[m->n] through the passthrough driver. */
struct vfs_served {
	struct fbr_driver vfs;
	struct fbr_driver *backends;
	size_t n;                    /* backends opened */
};

/*
 * Open every source (at sources[i] when sources is not NULL: where a
 * sandbox put them) with opts: 0, or -1 once said as
 * "--mount PATH=SOURCE: why".
 */
int vfs_served_open(struct vfs_served *v, const struct vfs_mounts *m,
		    const char *const *sources, const struct fbr_pt_opts *opts);
void vfs_served_close(struct vfs_served *v);
/* The backends' inodes and handles, summed. */
void vfs_served_stats(const struct vfs_served *v, struct fbr_pt_stats *st);

#endif
