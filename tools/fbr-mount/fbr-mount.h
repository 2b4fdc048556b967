/*
 * fbr-mount: what its parts share.  main.c parses the command line
 * (options.c) and runs the mount (run.c); daemon.c goes to the background,
 * stats.c answers SIGUSR1; messages go through ../cli.h.
 */
#ifndef FBR_MOUNT_H
#define FBR_MOUNT_H

#include <stdbool.h>

#include "../cli.h"
#include "../vfsmounts.h"
#include "fbr/passthrough.h"
#include "fbr/fusedev.h"

/* The exit codes, as the man page lists them. */
enum {
	EXIT_OK = 0,      /* mounted and served, or stopped cleanly */
	EXIT_FAIL = 1,    /* could not mount or serve */
	EXIT_USAGE = 2,   /* bad command line */
};

/* --poll's limit: 10 ms, beyond which sleeping costs nothing worth saving. */
#define MAX_POLL_US 10000

struct args {
	const char *source;       /* NULL with --mount */
	struct vfs_mounts mounts; /* --mount PATH=SOURCE, in order */
	const char *mountpoint;
	bool foreground;
	bool debug;
	unsigned threads;         /* 0: the transport's default */
	enum fbr_fusedev_uring uring; /* --uring, --no-uring, or the default */
	unsigned poll_us;         /* --poll: 0 or up to MAX_POLL_US */
	char *stats_file;         /* NULL: stderr, or syslog in the background */
	char *trace_file;         /* --trace: record the traffic there */
	struct cli_lists lists;   /* the -o lists: values point in */
	bool no_default_permissions; /* asked for: allow_other leaves it off */
	struct fbr_mount_opts mnt;
	struct fbr_pt_opts pt;
};

/* options.c: returns EXIT_OK to go on, or the code to exit with. */
int parse_args(int argc, char **argv, struct args *a, bool *done);

/* run.c: mount, serve until unmounted or told to stop; an exit code. */
int run(const struct args *a);

/* daemon.c */
int daemon_fork(int *ready_fd);
void daemon_ready(int ready_fd);

/* stats.c: the SIGUSR1 report. */
void stats_report(const struct args *a, const struct fbr_pt_stats *st,
		  const struct fbr_fusedev *srv);


#endif
