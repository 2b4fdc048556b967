/*
 * The split virtqueue, device side.  The guest may rewrite any part of the
 * ring while we look at it, so every descriptor is read once into a local
 * copy and checked there: index in bounds, buffer inside one guest memory
 * region, readable segments before writable ones, no more descriptors than
 * the table holds (which is what a loop would need), indirect tables only
 * where agreed, inside guest memory and not nested.  Shared indices are
 * read and written with acquire/release ordering, as the driver's are.
 */
#include <errno.h>
#include <string.h>

#include "transports/virtqueue/virtqueue.h"

size_t fbr_vq_desc_size(unsigned num)
{
	return (size_t)num * sizeof(struct fbr_vq_desc);
}

size_t fbr_vq_avail_size(unsigned num)
{
	return sizeof(struct fbr_vq_avail) + (size_t)num * 2 + 2;
}

size_t fbr_vq_used_size(unsigned num)
{
	return sizeof(struct fbr_vq_used) +
	       (size_t)num * sizeof(struct fbr_vq_used_elem) + 2;
}

static uint16_t load16(const uint16_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void store16(uint16_t *p, uint16_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* One descriptor, copied so the guest cannot change it under our checks. */
static struct fbr_vq_desc read_desc(const struct fbr_vq_desc *table, unsigned i)
{
	struct fbr_vq_desc d;

	memcpy(&d, (const void *)&table[i], sizeof(d));
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	return d;
}

/* Add one buffer to the chain's readable or writable list. */
static int add_segment(struct fbr_vq *vq, struct fbr_vq_chain *c,
		       const struct fbr_vq_desc *d)
{
	bool writable = d->flags & FBR_VQ_DESC_F_WRITE;
	void *p;

	if (!d->len)
		return 0;
	if (!writable && c->nout)
		return -EBADMSG; /* readable after writable */
	if (c->nin + c->nout >= c->max)
		return -EBADMSG; /* longer than we take */
	p = fbr_mem_gpa(vq->mem, d->addr, d->len);
	if (!p)
		return -EBADMSG;
	if (writable) {
		c->out[c->nout++] = (struct iovec){ p, d->len };
		c->outlen += d->len;
	} else {
		c->in[c->nin++] = (struct iovec){ p, d->len };
		c->inlen += d->len;
	}
	return 0;
}

/* Walk a table of n descriptors from index i, following NEXT. */
static int walk(struct fbr_vq *vq, struct fbr_vq_chain *c,
		const struct fbr_vq_desc *table, unsigned n, unsigned i,
		bool nested);

static int walk_indirect(struct fbr_vq *vq, struct fbr_vq_chain *c,
			 const struct fbr_vq_desc *d)
{
	const struct fbr_vq_desc *table;
	unsigned n;

	if (!vq->indirect || (d->flags & FBR_VQ_DESC_F_NEXT) ||
	    d->len % sizeof(*table) || !d->len)
		return -EBADMSG;
	n = d->len / sizeof(*table);
	if (n > FBR_VQ_MAX_SIZE)
		return -EBADMSG;
	table = fbr_mem_gpa(vq->mem, d->addr, d->len);
	if (!table)
		return -EBADMSG;
	return walk(vq, c, table, n, 0, true);
}

static int walk(struct fbr_vq *vq, struct fbr_vq_chain *c,
		const struct fbr_vq_desc *table, unsigned n, unsigned i,
		bool nested)
{
	for (unsigned seen = 0;; seen++) {
		struct fbr_vq_desc d;
		int err;

		if (i >= n || seen >= n)
			return -EBADMSG; /* out of the table, or a loop */
		d = read_desc(table, i);
		if (d.flags & FBR_VQ_DESC_F_INDIRECT) {
			if (nested || seen)
				return -EBADMSG;
			return walk_indirect(vq, c, &d);
		}
		err = add_segment(vq, c, &d);
		if (err)
			return err;
		if (!(d.flags & FBR_VQ_DESC_F_NEXT))
			return 0;
		i = d.next;
	}
}

int fbr_vq_pop(struct fbr_vq *vq, struct fbr_vq_chain *c)
{
	uint16_t avail, head;

	if (vq->broken)
		return -EPROTO;
	avail = load16(&vq->avail->idx);
	if (avail == vq->last_avail)
		return 0;
	if ((uint16_t)(avail - vq->last_avail) > vq->num) {
		vq->broken = true; /* more available than the ring holds */
		return -EPROTO;
	}
	head = load16(&vq->avail->ring[vq->last_avail % vq->num]);
	if (head >= vq->num) {
		vq->broken = true;
		return -EPROTO;
	}
	vq->last_avail++;
	return fbr_vq_chain_at(vq, head, c) ?: 1;
}

int fbr_vq_chain_at(struct fbr_vq *vq, uint16_t head, struct fbr_vq_chain *c)
{
	c->head = head;
	c->nin = c->nout = 0;
	c->inlen = c->outlen = 0;
	if (head >= vq->num)
		return -EBADMSG;
	return walk(vq, c, vq->desc, vq->num, head, false);
}

void fbr_vq_push(struct fbr_vq *vq, uint16_t head, uint32_t len)
{
	struct fbr_vq_used_elem *e = &vq->used->ring[vq->used_idx % vq->num];

	__atomic_store_n(&e->id, head, __ATOMIC_RELAXED);
	__atomic_store_n(&e->len, len, __ATOMIC_RELAXED);
	vq->used_idx++;
	store16(&vq->used->idx, vq->used_idx); /* the entry before the index */
}

bool fbr_vq_rearm(struct fbr_vq *vq)
{
	if (vq->broken)
		return false;
	if (vq->event_idx)
		store16((uint16_t *)&vq->used->ring[vq->num], vq->last_avail);
	/* Our avail_event must be visible before we look at avail->idx. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return load16(&vq->avail->idx) != vq->last_avail;
}

bool fbr_vq_should_signal(struct fbr_vq *vq)
{
	uint16_t event, old = vq->signalled_used, now = vq->used_idx;
	bool valid = vq->signalled_valid;

	/* used->idx must be visible before we read the driver's wishes. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!vq->event_idx)
		return !(load16(&vq->avail->flags) & FBR_VQ_AVAIL_F_NO_INTERRUPT);
	vq->signalled_used = now;
	vq->signalled_valid = true;
	if (!valid)
		return true;
	event = load16(&vq->avail->ring[vq->num]);
	/* Signal when used_event lies in [old, now). */
	return (uint16_t)(now - event - 1) < (uint16_t)(now - old);
}
