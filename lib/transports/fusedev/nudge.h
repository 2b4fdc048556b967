/*
 * Nudging a FUSE-over-io_uring queue from its CPU (uring.c says why).
 */
#ifndef FBR_TRANSPORTS_FUSEDEV_NUDGE_H
#define FBR_TRANSPORTS_FUSEDEV_NUDGE_H

struct fbr_nudger;

/* A thread on cpu that stats path when poked; 0 and *out, or -errno. */
int fbr_nudger_new(const char *path, unsigned cpu, struct fbr_nudger **out);
void fbr_nudger_poke(struct fbr_nudger *n);
/* Ends the thread, which frees n once out of any statx it is in. */
void fbr_nudger_free(struct fbr_nudger *n);

#endif
