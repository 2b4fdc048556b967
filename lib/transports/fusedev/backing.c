/*
 * FUSE passthrough over /dev/fuse: a backing file is registered and
 * dropped with ioctls on the connection's fd, which the kernel allows
 * CAP_SYS_ADMIN alone.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/ioctl.h>

#include "fbr/fuse_abi.h"
#include "fbr/fusedev.h"

static int backing_open(void *ctx, int fd)
{
	struct fuse_backing_map map = { .fd = fd };
	int id = ioctl((int)(intptr_t)ctx, FUSE_DEV_IOC_BACKING_OPEN, &map);

	return id < 0 ? -errno : id;
}

static void backing_close(void *ctx, int id)
{
	uint32_t n = (uint32_t)id;

	ioctl((int)(intptr_t)ctx, FUSE_DEV_IOC_BACKING_CLOSE, &n);
}

static const struct fbr_backing_ops ops = { backing_open, backing_close };

void fbr_fusedev_passthrough(struct fbr_session *s, int fd)
{
	fbr_session_set_backing(s, &ops, (void *)(intptr_t)fd);
}
