/*
 * Deferred replies.  The request a handler was given lives on a worker's
 * stack and points into the worker's buffer; deferring copies what a bare
 * reply needs (the header) into a request of its own, with a sink the
 * transport detached for it, and puts that copy in the in-flight table in
 * the original's place, so INTERRUPT still finds it.
 */
#include <errno.h>
#include <stdlib.h>

#include "server/request.h"

struct deferred {
	struct fbr_req req;
	struct fuse_in_header h;
};

struct fbr_req *fbr_req_defer(struct fbr_req *r)
{
	struct deferred *d;
	struct fbr_sink *sink;

	if (!r->sink->ops->detach)
		return NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	sink = r->sink->ops->detach(r->sink);
	if (!sink) {
		free(d);
		return NULL;
	}
	d->h = *r->h;
	d->req.s = r->s;
	d->req.sink = sink;
	d->req.h = &d->h;
	d->req.ctx = r->ctx;
	d->req.ctx.req = &d->req;
	atomic_store(&d->req.interrupted, atomic_load(&r->interrupted));
	fbr_inflight_del(r);
	fbr_inflight_add(&d->req);
	return &d->req;
}

void fbr_req_reply(struct fbr_req *req, int err)
{
	struct deferred *d = (struct deferred *)req;
	struct fbr_sink *sink = req->sink;

	fbr_inflight_del(req);
	fbr_reply_err(req, err);
	if (sink->ops->release)
		sink->ops->release(sink);
	free(d);
}
