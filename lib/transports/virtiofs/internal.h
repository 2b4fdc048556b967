/*
 * What the virtio-fs device's two halves share: the per-queue worker
 * state, the device, and the helpers that move bytes between iovec lists.
 * virtiofs.c turns chains into requests; sink.c sends their replies, now
 * or later.
 */
#ifndef FBR_TRANSPORTS_VIRTIOFS_INTERNAL_H
#define FBR_TRANSPORTS_VIRTIOFS_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "fbr/fuse_abi.h"
#include "transports/vhost/vhost.h"
#include "fbr/virtiofs.h"
#include "trace/trace.h"

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
	bool detached;             /* ...or will get it later, elsewhere */
	uint32_t written;
	struct fbr_vhost_queue *cur; /* the queue being served */
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
int vfs_slice(const struct iovec *iov, unsigned n, size_t off, size_t len,
	      struct iovec *dst, int max);
/* Copy src (cnt pieces) to the start of the chain's writable buffers. */
void vfs_scatter(const struct fbr_vq_chain *c, const struct iovec *src,
		 int cnt);
/* A bare error reply into c: the bytes written (0: no room, or none due). */
uint32_t vfs_bare_error(const struct fbr_vq_chain *c, uint64_t unique,
			int err);

/* The sink of the chain a queue is serving (struct vfs_queue's). */
extern const struct fbr_sink_ops vfs_sink_ops;

#endif
