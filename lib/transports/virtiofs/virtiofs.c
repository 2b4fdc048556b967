/*
 * The virtio-fs device: turns descriptor chains into dispatcher calls.
 * A chain's readable part is the request (header, arguments, and for
 * WRITE the data, which we leave where it is); its writable part receives
 * the reply.  Each queue has its own worker state, used only by that
 * queue's thread, so no lock is taken on the request path.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "transports/virtiofs/internal.h"
#include "fbr/driver.h"
#include "fbr/log.h"

/* Answer with a bare error when the dispatcher could not answer at all. */
static void reply_error(struct vfs_queue *w, uint64_t unique, int err)
{
	w->written = vfs_bare_error(&w->c, unique, err);
	w->sent = w->written != 0;
}

static void tap_request(struct vfs_queue *w, const struct fbr_msg *m)
{
	struct iovec v[MAX_SEGS + 1];

	if (!w->f->trace)
		return;
	v[0] = (struct iovec){ (void *)m->buf, m->len };
	if (m->datacnt)
		memcpy(v + 1, m->data, (size_t)m->datacnt * sizeof(*v));
	fbr_trace_write(w->f->trace, FBR_REC_REQUEST, w->idx, v,
			1 + m->datacnt);
}

/* Copy the request out of guest memory; WRITE data stays as iovecs. */
static int take_request(struct vfs_queue *w, struct fbr_msg *m)
{
	const struct fuse_in_header *h = (const void *)w->req;
	size_t len = w->c.inlen;

	if (len < sizeof(*h))
		return -EINVAL;
	fbr_iov_to_buf(w->req, w->c.in, (int)w->c.nin, sizeof(*h));
	if (h->opcode == FUSE_WRITE && len >= WRITE_FIXED) {
		m->data = w->data;
		m->datacnt = vfs_slice(w->c.in, w->c.nin, WRITE_FIXED,
				   len - WRITE_FIXED, w->data, MAX_SEGS);
		len = WRITE_FIXED;
	}
	if (len > REQ_MAX)
		return -E2BIG;
	fbr_iov_to_buf(w->req, w->c.in, (int)w->c.nin, len);
	m->buf = w->req;
	m->len = len;
	return 0;
}

static void handle_chain(struct vfs_queue *w, struct fbr_vhost_queue *q)
{
	struct fbr_msg m = { 0 };
	uint64_t unique = 0;
	int err;

	w->sent = w->detached = false;
	w->written = 0;
	err = take_request(w, &m);
	if (!err) {
		unique = ((const struct fuse_in_header *)w->req)->unique;
		tap_request(w, &m);
		err = fbr_dispatch(w->f->s, &m, &w->sink);
	}
	if (err && !w->sent) {
		fbr_log(FBR_LOG_WARN, SUBSYS, "queue %u: request %llu: %s",
			w->idx, (unsigned long long)unique, strerror(-err));
		reply_error(w, unique, err == -E2BIG ? -E2BIG : -EIO);
	}
	if (!w->detached || w->sent)
		fbr_vhost_push(q, w->c.head, w->written);
}

/* Chains served before serve() returns to let a memory change in. */
#define BATCH 64

static bool serve(void *ctx, struct fbr_vhost_queue *q)
{
	struct fbr_virtiofs *f = ctx;
	struct vfs_queue *w = f->q[fbr_vhost_queue_index(q)];
	struct fbr_vq *vq = fbr_vhost_vq(q);
	int n;

	w->cur = q;
	do {
		for (int i = 0; i < BATCH; i++) {
			n = fbr_vq_pop(vq, &w->c);
			if (n == 0)
				break;
			if (n == -EPROTO) {
				fbr_log(FBR_LOG_ERR, SUBSYS,
					"queue %u: ring broken", w->idx);
				return false;
			}
			if (n < 0) {
				fbr_log(FBR_LOG_WARN, SUBSYS,
					"queue %u: bad chain at %u", w->idx,
					w->c.head);
				fbr_vhost_push(q, w->c.head, 0);
				continue;
			}
			handle_chain(w, q);
		}
		if (n != 0)
			return true; /* a full batch: come back */
	} while (fbr_vq_rearm(vq));
	return false;
}

static void idle(void *ctx)
{
	struct fbr_virtiofs *f = ctx;

	fbr_session_reset(f->s);
}

static const struct fbr_vhost_ops vhost_ops = { .serve = serve, .idle = idle };

static struct vfs_queue *queue_new(struct fbr_virtiofs *f, unsigned idx)
{
	struct vfs_queue *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->req = aligned_alloc(4096, REQ_MAX);
	if (!w->req) {
		free(w);
		return NULL;
	}
	w->sink.ops = &vfs_sink_ops;
	w->f = f;
	w->idx = idx;
	w->c.in = w->in;
	w->c.out = w->out;
	w->c.max = MAX_SEGS;
	return w;
}

int fbr_virtiofs_new(struct fbr_session *s, const struct fbr_virtiofs_opts *o,
		     struct fbr_virtiofs **out)
{
	unsigned nq = o->request_queues + 1;
	struct fbr_virtiofs *f;
	struct fbr_vhost_opts vo = { .nqueues = nq, .ops = &vhost_ops };
	int err;

	if (!o->request_queues || nq > FBR_VHOST_MAX_QUEUES)
		return -EINVAL;
	f = calloc(1, sizeof(*f) + nq * sizeof(f->q[0]));
	if (!f)
		return -ENOMEM;
	f->s = s;
	f->trace = o->trace;
	f->nq = nq;
	vo.ctx = f;
	for (unsigned i = 0; i < nq; i++)
		if (!(f->q[i] = queue_new(f, i))) {
			fbr_virtiofs_free(f);
			return -ENOMEM;
		}
	err = fbr_vhost_new(&vo, &f->v);
	if (err) {
		fbr_virtiofs_free(f);
		return err;
	}
	*out = f;
	return 0;
}

void fbr_virtiofs_free(struct fbr_virtiofs *f)
{
	if (!f)
		return;
	fbr_vhost_free(f->v);
	for (unsigned i = 0; i < f->nq; i++) {
		if (f->q[i])
			free(f->q[i]->req);
		free(f->q[i]);
	}
	free(f);
}

int fbr_virtiofs_serve(struct fbr_virtiofs *f, int fd)
{
	return fbr_vhost_serve(f->v, fd);
}
