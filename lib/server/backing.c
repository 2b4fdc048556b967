/*
 * FUSE passthrough's backing files.  Only a transport can register one (an
 * ioctl on /dev/fuse, as root); a driver reaches it through the request.
 * Setting the operations makes the session offer FUSE_PASSTHROUGH at INIT.
 */
#include <errno.h>

#include "server/request.h"

void fbr_session_set_backing(struct fbr_session *s,
			     const struct fbr_backing_ops *ops, void *ctx)
{
	s->backing = ops;
	s->backing_ctx = ctx;
	s->opts.transport_flags |= FUSE_PASSTHROUGH;
}

int fbr_req_backing_open(struct fbr_req *r, int fd)
{
	struct fbr_session *s = r->s;

	if (!s->backing || !(s->conn.want & FUSE_PASSTHROUGH))
		return -ENOSYS;
	return s->backing->open(s->backing_ctx, fd);
}

void fbr_req_backing_close(struct fbr_req *r, int id)
{
	struct fbr_session *s = r->s;

	if (s->backing && id > 0)
		s->backing->close(s->backing_ctx, id);
}
