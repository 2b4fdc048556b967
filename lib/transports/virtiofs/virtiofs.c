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

#include "abi/fuse_abi.h"
#include "transports/vhost/vhost.h"
#include "transports/virtiofs/virtiofs.h"
#include "util/log.h"

#define SUBSYS "virtiofs"
#define MAX_SEGS 1024          /* descriptors one chain may have */
#define REQ_MAX (256u * 1024)  /* request bytes copied (all but WRITE data) */
#define WRITE_FIXED (sizeof(struct fuse_in_header) + sizeof(struct fuse_write_in))

struct vfs_queue {
	struct fbr_sink sink;
	struct fbr_virtiofs *f;
	unsigned idx;
	struct fbr_vq_chain c;
	bool sent;                 /* the current chain got its reply */
	uint32_t written;
	unsigned char *req;        /* REQ_MAX bytes, page-aligned */
	struct iovec in[MAX_SEGS], out[MAX_SEGS], data[MAX_SEGS];
};

struct fbr_virtiofs {
	struct fbr_session *s;
	struct fbr_trace *trace;
	struct fbr_vhost *v;
	unsigned nq;
	struct vfs_queue *q[];
};

/* Skip off bytes into iov; fill dst with up to len bytes after that. */
static int slice(const struct iovec *iov, unsigned n, size_t off, size_t len,
		 struct iovec *dst, int max)
{
	int cnt = 0;

	for (unsigned i = 0; i < n && len && cnt < max; i++) {
		size_t l = iov[i].iov_len;

		if (off >= l) {
			off -= l;
			continue;
		}
		l -= off;
		if (l > len)
			l = len;
		dst[cnt++] = (struct iovec){ (char *)iov[i].iov_base + off, l };
		len -= l;
		off = 0;
	}
	return cnt;
}

/* Copy len bytes from the start of iov to buf. */
static void gather(void *buf, const struct iovec *iov, unsigned n, size_t len)
{
	unsigned char *p = buf;

	for (unsigned i = 0; i < n && len; i++) {
		size_t l = iov[i].iov_len < len ? iov[i].iov_len : len;

		memcpy(p, iov[i].iov_base, l);
		p += l;
		len -= l;
	}
}

/* Copy src (cnt pieces) to the start of the writable buffers. */
static void scatter(struct vfs_queue *w, const struct iovec *src, int cnt)
{
	size_t off = 0;

	for (int i = 0; i < cnt; i++) {
		struct iovec d[MAX_SEGS];
		int nd = slice(w->c.out, w->c.nout, off, src[i].iov_len, d,
			       MAX_SEGS);
		const unsigned char *p = src[i].iov_base;

		for (int j = 0; j < nd; j++) {
			memcpy(d[j].iov_base, p, d[j].iov_len);
			p += d[j].iov_len;
		}
		off += src[i].iov_len;
	}
}

static int sink_payload(struct fbr_sink *s, size_t fixed, size_t size,
			struct iovec *iov, int maxiov)
{
	struct vfs_queue *w = (struct vfs_queue *)s;

	if (fixed > w->c.outlen)
		return -ENOBUFS;
	return slice(w->c.out, w->c.nout, fixed, size, iov, maxiov);
}

static void tap_reply(struct vfs_queue *w, const struct iovec *iov, int cnt,
		      size_t fixed, size_t placed)
{
	struct iovec v[MAX_SEGS];
	int n;

	if (!w->f->trace || cnt > 8)
		return;
	memcpy(v, iov, (size_t)cnt * sizeof(*iov));
	n = slice(w->c.out, w->c.nout, fixed, placed, v + cnt, MAX_SEGS - cnt);
	fbr_trace_write(w->f->trace, FBR_REC_REPLY, w->idx, v, cnt + n);
}

static int sink_send(struct fbr_sink *s, const struct iovec *iov, int cnt,
		     size_t placed)
{
	struct vfs_queue *w = (struct vfs_queue *)s;
	size_t fixed = 0;

	for (int i = 0; i < cnt; i++)
		fixed += iov[i].iov_len;
	if (w->sent || fixed + placed > w->c.outlen)
		return -ENOBUFS;
	scatter(w, iov, cnt);
	tap_reply(w, iov, cnt, fixed, placed);
	w->sent = true;
	w->written = (uint32_t)(fixed + placed);
	return 0;
}

static const struct fbr_sink_ops sink_ops = {
	.payload = sink_payload,
	.send = sink_send,
};

/* Answer with a bare error when the dispatcher could not answer at all. */
static void reply_error(struct vfs_queue *w, uint64_t unique, int err)
{
	struct fuse_out_header oh = {
		.len = sizeof(oh), .error = err, .unique = unique,
	};

	if (w->c.outlen < sizeof(oh) || !unique)
		return;
	scatter(w, &(struct iovec){ &oh, sizeof(oh) }, 1);
	w->sent = true;
	w->written = sizeof(oh);
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
	gather(w->req, w->c.in, w->c.nin, sizeof(*h));
	if (h->opcode == FUSE_WRITE && len >= WRITE_FIXED) {
		m->data = w->data;
		m->datacnt = slice(w->c.in, w->c.nin, WRITE_FIXED,
				   len - WRITE_FIXED, w->data, MAX_SEGS);
		len = WRITE_FIXED;
	}
	if (len > REQ_MAX)
		return -E2BIG;
	gather(w->req, w->c.in, w->c.nin, len);
	m->buf = w->req;
	m->len = len;
	return 0;
}

static void handle_chain(struct vfs_queue *w, struct fbr_vq *vq)
{
	struct fbr_msg m = { 0 };
	uint64_t unique = 0;
	int err;

	w->sent = false;
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
	fbr_vq_push(vq, w->c.head, w->written);
}

static void serve(void *ctx, struct fbr_vhost_queue *q)
{
	struct fbr_virtiofs *f = ctx;
	struct vfs_queue *w = f->q[fbr_vhost_queue_index(q)];
	struct fbr_vq *vq = fbr_vhost_vq(q);
	int n;

	do {
		while ((n = fbr_vq_pop(vq, &w->c)) != 0) {
			if (n == -EPROTO) {
				fbr_log(FBR_LOG_ERR, SUBSYS,
					"queue %u: ring broken", w->idx);
				return;
			}
			if (n < 0) {
				fbr_log(FBR_LOG_WARN, SUBSYS,
					"queue %u: bad chain at %u", w->idx,
					w->c.head);
				fbr_vq_push(vq, w->c.head, 0);
			} else {
				handle_chain(w, vq);
			}
			fbr_vhost_signal(q);
		}
	} while (fbr_vq_rearm(vq));
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
	w->sink.ops = &sink_ops;
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
