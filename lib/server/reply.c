/*
 * Reply encoding: the out header, the reply struct, and the one place
 * where a driver's result becomes the wire's error field.
 */
#include <errno.h>

#include "server/request.h"

/* Drivers return 0 or -errno; anything else is a driver bug, sent as EIO. */
static int32_t wire_error(int err)
{
	if (err > 0 || err < -4095)
		return -EIO;
	return err;
}

static int send(struct fbr_req *r, struct iovec *iov, int cnt, size_t placed,
		int err)
{
	struct fuse_out_header oh = { .error = wire_error(err),
				      .unique = r->h->unique };
	size_t len = sizeof(oh) + placed;

	for (int i = 1; i < cnt; i++)
		len += iov[i].iov_len;
	oh.len = (uint32_t)len;
	iov[0] = (struct iovec){ &oh, sizeof(oh) };
	return r->sink->ops->send(r->sink, iov, cnt, placed);
}

int fbr_reply_err(struct fbr_req *r, int err)
{
	struct iovec iov[1];

	return send(r, iov, 1, 0, err);
}

int fbr_reply_ok(struct fbr_req *r, const void *arg, size_t size)
{
	struct iovec iov[2] = { [1] = { (void *)arg, size } };

	return send(r, iov, size ? 2 : 1, 0, 0);
}

int fbr_reply_two(struct fbr_req *r, const void *a1, size_t s1,
		  const void *a2, size_t s2)
{
	struct iovec iov[3] = { [1] = { (void *)a1, s1 }, [2] = { (void *)a2, s2 } };

	return send(r, iov, s2 ? 3 : 2, 0, 0);
}

int fbr_reply_placed(struct fbr_req *r, size_t fixed_arg_size,
		     const void *arg, size_t placed)
{
	struct iovec iov[2] = { [1] = { (void *)arg, fixed_arg_size } };

	return send(r, iov, fixed_arg_size ? 2 : 1, placed, 0);
}
