/*
 * fbr-replay: what its parts share.  main.c parses the command line
 * (options.c) and runs the replay (run.c); tree.c prepares the directory
 * the driver serves, drivers.c names the drivers a trace can be replayed
 * against.  The replay engine itself is described in replay.h.
 */
#ifndef FBR_REPLAY_TOOL_H
#define FBR_REPLAY_TOOL_H

#include <stdbool.h>
#include <stdint.h>

#include "../cli.h"
#include "fbr/passthrough.h"

/* The exit codes, as cmp(1) has them and the man page lists them. */
enum {
	EXIT_SAME = 0,    /* every reply as recorded */
	EXIT_DIFFER = 1,  /* at least one divergence */
	EXIT_TROUBLE = 2, /* bad command line, bad trace, I/O error */
};

struct args {
	const char *file;         /* the trace */
	const char *root;         /* --root: serve this directory, in place */
	const char *tree;         /* --tree: copy or unpack this first */
	const char *driver;       /* --driver */
	struct fbr_pt_opts pt;    /* -o: the driver's options */
	struct cli_lists lists;   /* the -o lists: values point in */
	bool strict, keep_going, bench, quiet, keep_root;
	unsigned threads;         /* 0: one request at a time, in order */
	double pace;              /* 0: flat out; else speed-up of recorded time */
	unsigned context;         /* requests shown before a divergence */
};

/* options.c: returns EXIT_SAME to go on, or the code to exit with. */
int parse_args(int argc, char **argv, struct args *a, bool *done);
void free_args(struct args *a);

/* run.c: replay a->file as asked; an exit code. */
int run(const struct args *a);

/*
 * drivers.c: a driver a trace is replayed against.  held() counts the
 * nodeids the driver holds lookups on, the root included, so that lookup
 * counts can be checked against the recording.
 */
struct replay_driver {
	struct fbr_driver drv;
	void *priv;
	uint64_t (*held)(const struct replay_driver *d);
	void (*free)(struct replay_driver *d);
};

bool replay_driver_known(const char *name);
/* Make driver name (a known one) serving o->source: 0 or -errno. */
int replay_driver_new(const char *name, const struct fbr_pt_opts *o,
		      struct replay_driver *out);
/* The names replay_driver_new() knows, for --help and errors. */
extern const char *const replay_driver_list;
/* passthrough.c: the passthrough driver, which test drivers wrap too. */
int replay_passthrough_new(const struct fbr_pt_opts *o,
			   struct replay_driver *out);

/*
 * tree.c: the directory the driver serves: --root as it is, or a fresh
 * scratch directory, filled from --tree when given, removed at the end
 * unless --keep-root.  Messages are printed here.
 */
struct root {
	char *path;
	bool ours;                /* a scratch directory: shaped and removed */
	bool adopted;             /* its mode and owner set from the trace */
};

int root_prepare(const struct args *a, struct root *r);
/* Give our root the recorded root's mode and owner (once). */
void root_adopt(struct root *r, uint32_t mode, uint32_t uid, uint32_t gid);
void root_finish(const struct args *a, struct root *r);

#endif
