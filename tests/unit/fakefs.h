/*
 * A fake driver for dispatcher tests: every operation answers with fixed,
 * recognisable values and records what it was called with.
 */
#ifndef FBR_TESTS_FAKEFS_H
#define FBR_TESTS_FAKEFS_H

#include <stdatomic.h>

#include "fbr/driver.h"

struct fake_call {
	const char *op;
	uint64_t ino;
	char name[2][64];
	uint32_t flags;       /* rename flags, setlk sleep, mask... */
	uint64_t value;       /* a size, count or offset the op received */
	struct fbr_ctx ctx;
	unsigned forgets;     /* FORGET and BATCH_FORGET items seen */
	uint64_t forgotten;   /* sum of their nlookup */
	unsigned destroys;
};

extern struct fake_call fake_last;
extern atomic_int fake_waiting;          /* a SETLKW of owner 99 waits */
extern struct fbr_req *fake_deferred;   /* a SETLKW of owner 77 defers */
extern int fake_cancels;                 /* its cancel callback's calls */
extern int fake_errno;                  /* when set, ops return -fake_errno */
extern const struct fbr_driver_ops fake_ops;
extern const struct fbr_driver_ops empty_ops; /* every op NULL */

/* The attributes the fake answers for nodeid ino. */
void fake_attr(uint64_t ino, struct fuse_attr *a);
void fake_entry(uint64_t ino, struct fuse_entry_out *e);

#endif
