/*
 * Replies into descriptor chains.  The immediate sink writes the reply's
 * fixed part in front of the READ data the driver already placed in the
 * chain's writable buffers; the late sink (a reply after dispatch has
 * returned, such as a lock granted later) finds its chain again when the
 * reply comes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "transports/virtiofs/internal.h"
#include "fbr/log.h"

/* Skip off bytes into iov; fill dst with up to len bytes after that. */
int vfs_slice(const struct iovec *iov, unsigned n, size_t off, size_t len,
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

/* Copy src (cnt pieces) to the start of the chain's writable buffers. */
void vfs_scatter(const struct fbr_vq_chain *c, const struct iovec *src,
		 int cnt)
{
	size_t off = 0;

	for (int i = 0; i < cnt; i++) {
		struct iovec d[MAX_SEGS];
		int nd = vfs_slice(c->out, c->nout, off, src[i].iov_len, d,
			       MAX_SEGS);
		const unsigned char *p = src[i].iov_base;

		for (int j = 0; j < nd; j++) {
			memcpy(d[j].iov_base, p, d[j].iov_len);
			p += d[j].iov_len;
		}
		off += src[i].iov_len;
	}
}

/* A bare error reply into c: the bytes written (0: no room, or none due). */
uint32_t vfs_bare_error(const struct fbr_vq_chain *c, uint64_t unique,
			int err)
{
	struct fuse_out_header oh = {
		.len = sizeof(oh), .error = err, .unique = unique,
	};

	if (c->outlen < sizeof(oh) || !unique)
		return 0;
	vfs_scatter(c, &(struct iovec){ &oh, sizeof(oh) }, 1);
	return sizeof(oh);
}


static int sink_payload(struct fbr_sink *s, size_t fixed, size_t size,
			struct iovec *iov, int maxiov)
{
	struct vfs_queue *w = (struct vfs_queue *)s;

	if (fixed > w->c.outlen)
		return -ENOBUFS;
	return vfs_slice(w->c.out, w->c.nout, fixed, size, iov, maxiov);
}

static void tap_reply(struct vfs_queue *w, const struct fbr_vq_chain *c,
		      const struct iovec *iov, int cnt, size_t fixed,
		      size_t placed)
{
	struct iovec v[MAX_SEGS];
	int n;

	if (!w->f->trace || cnt > 8)
		return;
	memcpy(v, iov, (size_t)cnt * sizeof(*iov));
	n = vfs_slice(c->out, c->nout, fixed, placed, v + cnt, MAX_SEGS - cnt);
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
	vfs_scatter(&w->c, iov, cnt);
	tap_reply(w, &w->c, iov, cnt, fixed, placed);
	w->sent = true;
	w->written = (uint32_t)(fixed + placed);
	return 0;
}

/*
 * A reply sent later, from any thread: the chain stays the device's until
 * then, and is walked again (checked again) when the reply comes, so no
 * pointer into guest memory is kept across a memory table change.  A
 * queue restarted or reset meanwhile has forgotten the chain: the reply
 * is dropped.
 */
struct late_sink {
	struct fbr_sink sink;
	struct vfs_queue *w;
	struct fbr_vhost_queue *q;
	unsigned gen;
	uint16_t head;
	uint64_t unique;
	bool sent;
	struct fbr_vq_chain c;
	struct iovec in[MAX_SEGS], out[MAX_SEGS];
};

/* Write the reply into the chain and hand it back; 0 or -ENOBUFS. */
static int late_write(struct late_sink *l, const struct iovec *iov, int cnt)
{
	struct fbr_vq *vq = fbr_vhost_vq(l->q);
	size_t fixed = 0;
	uint32_t len = 0;
	int err = 0;

	for (int i = 0; i < cnt; i++)
		fixed += iov[i].iov_len;
	if (fbr_vq_chain_at(vq, l->head, &l->c) == 0) {
		if (fixed <= l->c.outlen) {
			vfs_scatter(&l->c, iov, cnt);
			tap_reply(l->w, &l->c, iov, cnt, fixed, 0);
			len = (uint32_t)fixed;
		} else {
			err = -ENOBUFS;
			len = vfs_bare_error(&l->c, l->unique, -EIO);
		}
	}
	fbr_vq_push(vq, l->head, len);
	fbr_vhost_late_signal(l->q);
	return err;
}

static int late_send(struct fbr_sink *s, const struct iovec *iov, int cnt,
		     size_t placed)
{
	struct late_sink *l = (struct late_sink *)s;
	int err;

	if (placed || l->sent)
		return -EINVAL;
	l->sent = true;
	if (fbr_vhost_late_begin(l->q, l->gen))
		return 0; /* the queue forgot the chain: nobody waits */
	err = late_write(l, iov, cnt);
	fbr_vhost_late_end(l->q);
	return err;
}

/* Never answered: the guest still waits, so tell it something. */
static void late_release(struct fbr_sink *s)
{
	struct late_sink *l = (struct late_sink *)s;
	struct fuse_out_header oh = {
		.len = sizeof(oh), .error = -EIO, .unique = l->unique,
	};

	if (!l->sent)
		late_send(s, &(struct iovec){ &oh, sizeof(oh) }, 1, 0);
	free(l);
}

static const struct fbr_sink_ops late_ops = {
	.send = late_send,
	.release = late_release,
};

static struct fbr_sink *sink_detach(struct fbr_sink *s)
{
	struct vfs_queue *w = (struct vfs_queue *)s;
	struct late_sink *l;

	if (w->sent || !w->cur)
		return NULL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->sink.ops = &late_ops;
	l->w = w;
	l->q = w->cur;
	l->gen = fbr_vhost_queue_gen(w->cur);
	l->head = w->c.head;
	l->unique = ((const struct fuse_in_header *)w->req)->unique;
	l->c = (struct fbr_vq_chain){ .in = l->in, .out = l->out,
				      .max = MAX_SEGS };
	w->detached = true;
	return &l->sink;
}

const struct fbr_sink_ops vfs_sink_ops = {
	.payload = sink_payload,
	.send = sink_send,
	.detach = sink_detach,
};
