/*
 * Where virtiofsd's options bend what the passthrough driver does, a thin
 * layer over its operations does the bending, so the driver stays the
 * same for every tool:
 *
 * - O_DIRECT from the guest is dropped from the host open unless
 *   --allow-direct-io: the guest's page cache is not the host's, and a
 *   host filesystem may refuse O_DIRECT, or the guest's unaligned I/O
 *   under it (virtiofsd's default too).
 * - -o no_flock and -o no_posix_lock take FUSE_FLOCK_LOCKS and
 *   FUSE_POSIX_LOCKS out of INIT, so the guest kernel keeps those locks
 *   to itself.
 *
 * One driver per process: the layer's state is static.
 */
#include <fcntl.h>

#include "fbr-virtiofsd.h"

static const struct fbr_driver_ops *inner;
static struct fbr_driver_ops outer;
static uint64_t refused;   /* INIT flags taken away */

static int init(void *fs, struct fbr_conn *conn)
{
	int err = inner->init ? inner->init(fs, conn) : 0;

	conn->want &= ~refused;
	return err;
}

static int open_file(void *fs, const struct fbr_ctx *c, uint64_t ino,
		     const struct fuse_open_in *in, struct fuse_open_out *out)
{
	struct fuse_open_in mine = *in;

	mine.flags &= ~(uint32_t)O_DIRECT;
	return inner->open(fs, c, ino, &mine, out);
}

static int create(void *fs, const struct fbr_ctx *c, uint64_t parent,
		  const char *name, const struct fuse_create_in *in,
		  struct fuse_entry_out *entry, struct fuse_open_out *open)
{
	struct fuse_create_in mine = *in;

	mine.flags &= ~(uint32_t)O_DIRECT;
	return inner->create(fs, c, parent, name, &mine, entry, open);
}

static int tmpfile(void *fs, const struct fbr_ctx *c, uint64_t parent,
		   const char *name, const struct fuse_create_in *in,
		   struct fuse_entry_out *entry, struct fuse_open_out *open)
{
	struct fuse_create_in mine = *in;

	mine.flags &= ~(uint32_t)O_DIRECT;
	return inner->tmpfile(fs, c, parent, name, &mine, entry, open);
}

void ops_wrap(struct fbr_driver *drv, const struct args *a)
{
	inner = drv->ops;
	outer = *inner;
	refused = (a->no_flock ? FUSE_FLOCK_LOCKS : 0) |
		  (a->no_posix_lock ? FUSE_POSIX_LOCKS : 0);
	outer.init = init;
	if (!a->allow_direct_io) {
		outer.open = inner->open ? open_file : NULL;
		outer.create = inner->create ? create : NULL;
		outer.tmpfile = inner->tmpfile ? tmpfile : NULL;
	}
	drv->ops = &outer;
}
