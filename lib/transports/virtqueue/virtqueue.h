/*
 * Split virtqueues (virtio 1.x, section 2.7) as the device side sees them:
 * pop the next descriptor chain the driver made available, checked against
 * guest memory, as two iovec lists (what the device reads, then what it
 * writes); push it back as used; decide whether the driver wants a signal
 * (EVENT_IDX or the NO_INTERRUPT flag).  No threads and no fds here: the
 * caller owns the kick and call eventfds and holds the memory table still.
 */
#ifndef FBR_TRANSPORTS_VIRTQUEUE_H
#define FBR_TRANSPORTS_VIRTQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "transports/vhost/memtable.h"

#define FBR_VQ_MAX_SIZE 32768u

/* The ring layout in guest memory (virtio 1.x, little-endian). */
#define FBR_VQ_DESC_F_NEXT 1
#define FBR_VQ_DESC_F_WRITE 2
#define FBR_VQ_DESC_F_INDIRECT 4
#define FBR_VQ_AVAIL_F_NO_INTERRUPT 1

struct fbr_vq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct fbr_vq_avail {
	uint16_t flags;
	uint16_t idx;
	uint16_t ring[];   /* then used_event, with EVENT_IDX */
};

struct fbr_vq_used_elem {
	uint32_t id;
	uint32_t len;
};

struct fbr_vq_used {
	uint16_t flags;
	uint16_t idx;
	struct fbr_vq_used_elem ring[]; /* then avail_event, with EVENT_IDX */
};

/* Bytes each part of a ring of num entries spans. */
size_t fbr_vq_desc_size(unsigned num);
size_t fbr_vq_avail_size(unsigned num);
size_t fbr_vq_used_size(unsigned num);

struct fbr_vq {
	unsigned num;                     /* entries: a power of two */
	struct fbr_vq_desc *desc;         /* pointers into guest memory */
	struct fbr_vq_avail *avail;
	struct fbr_vq_used *used;
	const struct fbr_memtable *mem;   /* where descriptors may point */
	uint16_t last_avail;              /* next avail entry to take */
	uint16_t used_idx;                /* our copy of used->idx */
	uint16_t signalled_used;          /* used_idx at the last signal */
	bool signalled_valid;
	bool event_idx;                   /* VIRTIO_F_RING_EVENT_IDX agreed */
	bool indirect;                    /* VIRTIO_F_RING_INDIRECT_DESC agreed */
	bool broken;                      /* the driver broke the ring's rules */
};

/* One chain: readable segments (in) come before writable ones (out). */
struct fbr_vq_chain {
	uint16_t head;
	unsigned nin, nout;
	size_t inlen, outlen;
	struct iovec *in, *out;           /* the caller's arrays, each max long */
	unsigned max;
};

/*
 * The next chain: 1 and c filled, 0 when none is available, -EBADMSG for
 * a chain that breaks the rules (c->head is valid: push it back, unused),
 * -EPROTO when the ring itself is broken (vq->broken is set; stop).
 */
int fbr_vq_pop(struct fbr_vq *vq, struct fbr_vq_chain *c);
/*
 * Walk the chain at head again, which the device still owns (a reply
 * sent later): 0, or -EBADMSG (head out of the ring, or a bad chain).
 */
int fbr_vq_chain_at(struct fbr_vq *vq, uint16_t head, struct fbr_vq_chain *c);
/* Hand chain head back with len bytes written into it. */
void fbr_vq_push(struct fbr_vq *vq, uint16_t head, uint32_t len);
/*
 * With EVENT_IDX: ask for a kick at the next entry, then say whether more
 * arrived meanwhile (so the caller goes on rather than sleep).
 */
bool fbr_vq_rearm(struct fbr_vq *vq);
/* Whether the driver wants to hear about entries pushed since last asked. */
bool fbr_vq_should_signal(struct fbr_vq *vq);

#endif
