/*
 * The passthrough driver: serves a directory of the host filesystem.
 */
#ifndef FBR_PASSTHROUGH_H
#define FBR_PASSTHROUGH_H

#include <stdbool.h>
#include <stdint.h>

#include <fbr/driver.h>

enum fbr_pt_cache {
	FBR_PT_CACHE_NEVER,    /* no caching: every access asks the server */
	FBR_PT_CACHE_METADATA, /* attributes and entries cached, data not kept */
	FBR_PT_CACHE_AUTO,     /* cached for the timeouts, data kept while unchanged */
	FBR_PT_CACHE_ALWAYS,   /* cached for long, data kept */
};

struct fbr_pt_opts {
	const char *source;        /* the directory to serve */
	enum fbr_pt_cache cache;
	double entry_timeout;      /* seconds; < 0: the cache mode's default */
	double attr_timeout;
	bool writeback;            /* FUSE_WRITEBACK_CACHE */
	bool xattr;                /* serve extended attributes */
	bool readonly;
	bool killpriv_v2;          /* FUSE_HANDLE_KILLPRIV_V2 */
	bool host_pids;            /* request pids are this host's processes */
	bool passthrough;          /* FUSE passthrough where it can be had */
};

struct fbr_pt_stats {
	uint64_t inodes;           /* nodeids the kernel holds */
	uint64_t handles;          /* open files and directories */
};

/*
 * Returns 0 and fills drv, or a negative errno (source unusable: -ENOTDIR
 * when it is no directory).  Sets the process umask to 0: the kernel sends
 * modes with the caller's umask already applied.
 *
 * Locks are held on the host (FUSE_POSIX_LOCKS, FUSE_FLOCK_LOCKS).  A
 * SETLKW that must wait does so on a thread of its own, woken for
 * INTERRUPT and DESTROY by SIGURG: the first such wait installs a handler
 * for SIGURG that does nothing (without SA_RESTART) and the waiter threads
 * unblock it, for themselves only.  Leave SIGURG to the driver.
 */
int fbr_passthrough_new(const struct fbr_pt_opts *opts, struct fbr_driver *drv);
void fbr_passthrough_free(struct fbr_driver *drv);
void fbr_passthrough_stats(const struct fbr_driver *drv, struct fbr_pt_stats *st);

#endif
