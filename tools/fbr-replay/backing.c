/*
 * FUSE passthrough, as the recording's transport offered it.  Over
 * /dev/fuse, fbr-mount registers an open file's backing file with the
 * kernel and the kernel names it by an id; when the recorded INIT reply
 * granted FUSE_PASSTHROUGH, the replay's session offers it too, with ids
 * handed out here, so that the driver answers INIT and OPEN as it did.
 * The kernel would read and write those files itself: the trace holds no
 * READ or WRITE for them, and none is replayed.
 */
#include <stdatomic.h>

#include "replay.h"

static atomic_int next_id;

static int backing_open(void *ctx, int fd)
{
	(void)ctx;
	(void)fd; /* the driver's to close: the kernel would hold its own */
	return atomic_fetch_add(&next_id, 1) + 1;
}

static void backing_close(void *ctx, int id)
{
	(void)ctx;
	(void)id;
}

static const struct fbr_backing_ops backing = {
	.open = backing_open,
	.close = backing_close,
};

void replay_backing(struct replay *rp, const struct fuse_init_out *o)
{
	uint64_t flags = o->flags | (uint64_t)o->flags2 << 32;

	if (!(flags & FUSE_PASSTHROUGH) || !rp->a->pt.passthrough)
		return;
	fbr_session_set_backing(rp->session, &backing, rp);
	if (!rp->a->quiet)
		errmsg("%s: recorded with FUSE passthrough: the reads and "
		       "writes the kernel made itself are not in the trace, "
		       "nor in the replay", rp->a->file);
}
