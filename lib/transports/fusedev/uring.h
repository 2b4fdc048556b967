/*
 * FUSE over io_uring inside the /dev/fuse transport: worker.c prepares the
 * rings before INIT, starts them once INIT is answered, and stops them.
 */
#ifndef FBR_TRANSPORTS_FUSEDEV_URING_H
#define FBR_TRANSPORTS_FUSEDEV_URING_H

#include "fbr/fusedev.h"

struct fbr_uring;

/*
 * Prepare a ring for each CPU's queue on connection fd, with room for
 * about o->threads ring threads in all, and offer FUSE_OVER_IO_URING on s.
 * Returns 0 and *out, or a negative errno (said through fbr_log(): a
 * warning when the caller asked for the rings, FBR_FUSEDEV_URING_ON) and
 * then nothing is offered.
 */
int fbr_uring_new(struct fbr_session *s, int fd,
		  const struct fbr_fusedev_opts *o, struct fbr_uring **out);
/* Once INIT is answered: serve through the rings if it agreed, else say why not. */
void fbr_uring_start(struct fbr_uring *u);
/* As fbr_fusedev_busy(), for the ring threads. */
unsigned fbr_uring_busy(struct fbr_uring *u, struct fbr_fusedev_busy *b,
			unsigned max);
/* Stop the ring threads and free u (what a deferred reply holds, later). */
void fbr_uring_free(struct fbr_uring *u);

#endif
