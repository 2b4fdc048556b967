/*
 * The handle table: the fh of an open file or directory is a slot in one
 * of a few shards, so opens on different threads rarely share a lock.  An
 * fh packs the slot's generation, its index and its shard; a slot's
 * generation changes whenever it is freed, so an fh the kernel (or a
 * guest) sends after release, or made up, finds nothing and gets EBADF.
 * Like inodes, handles are counted so a RELEASE racing with a READ never
 * closes the fd under it.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "drivers/passthrough/pt.h"

#define HSHARD_BITS 4
#define HINDEX_BITS 28

_Static_assert((1 << HSHARD_BITS) == PT_HSHARDS, "handle shard bits");

static uint64_t fh_make(uint32_t gen, uint32_t idx, unsigned shard)
{
	return (uint64_t)gen << 32 | (uint64_t)idx << HSHARD_BITS | shard;
}

void pt_htable_init(struct pt_fs *fs)
{
	for (int i = 0; i < PT_HSHARDS; i++)
		pthread_mutex_init(&fs->hshards[i].lock, NULL);
}

static void handle_free(struct pt_handle *h)
{
	close(h->fd);
	pt_inode_put(h->inode);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

void pt_handle_put(struct pt_handle *h)
{
	if (h && atomic_fetch_sub(&h->refs, 1) == 1)
		handle_free(h);
}

/* A free slot's index, growing the shard if need be; the shard is locked. */
static int slot_alloc(struct pt_hshard *s, uint32_t *idx)
{
	if (s->free_head) {
		*idx = s->free_head - 1;
		s->free_head = s->slots[*idx].next_free;
		return 0;
	}
	if (s->nslots == s->cap) {
		uint32_t cap = s->cap ? s->cap * 2 : 64;
		struct pt_hslot *n;

		if (cap > 1U << HINDEX_BITS)
			return -ENFILE;
		n = realloc(s->slots, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		s->slots = n;
		s->cap = cap;
	}
	*idx = s->nslots++;
	s->slots[*idx] = (struct pt_hslot){ .gen = 1 };
	return 0;
}

/* Take over fd and a reference to in; returns the new handle's fh. */
int pt_handle_new(struct pt_fs *fs, int fd, struct pt_inode *in, bool dir,
		  uint64_t *fh)
{
	unsigned shard = atomic_fetch_add(&fs->hnext, 1) & (PT_HSHARDS - 1);
	struct pt_hshard *s = &fs->hshards[shard];
	struct pt_handle *h = calloc(1, sizeof(*h));
	uint32_t idx;
	int err;

	if (!h) {
		close(fd);
		pt_inode_put(in);
		return -ENOMEM;
	}
	atomic_init(&h->refs, 1);
	h->fd = fd;
	h->inode = in;
	h->dir = dir;
	h->pos = 0;
	pthread_mutex_init(&h->lock, NULL);
	pthread_mutex_lock(&s->lock);
	err = slot_alloc(s, &idx);
	if (!err) {
		s->slots[idx].h = h;
		s->count++;
		*fh = fh_make(s->slots[idx].gen, idx, shard);
	}
	pthread_mutex_unlock(&s->lock);
	if (err)
		handle_free(h);
	return err;
}

/* The slot fh names, if it is live and of the kind asked; shard locked. */
static struct pt_hslot *slot_find(struct pt_hshard *s, uint64_t fh, bool dir)
{
	uint32_t idx = (uint32_t)(fh >> HSHARD_BITS) & ((1U << HINDEX_BITS) - 1);
	struct pt_hslot *slot;

	if (idx >= s->nslots)
		return NULL;
	slot = &s->slots[idx];
	if (!slot->h || slot->gen != (uint32_t)(fh >> 32) || slot->h->dir != dir)
		return NULL;
	return slot;
}

struct pt_handle *pt_handle_get(struct pt_fs *fs, uint64_t fh, bool dir)
{
	struct pt_hshard *s = &fs->hshards[fh & (PT_HSHARDS - 1)];
	struct pt_hslot *slot;
	struct pt_handle *h = NULL;

	pthread_mutex_lock(&s->lock);
	slot = slot_find(s, fh, dir);
	if (slot) {
		h = slot->h;
		atomic_fetch_add(&h->refs, 1);
	}
	pthread_mutex_unlock(&s->lock);
	return h;
}

int pt_handle_del(struct pt_fs *fs, uint64_t fh, bool dir)
{
	struct pt_hshard *s = &fs->hshards[fh & (PT_HSHARDS - 1)];
	struct pt_hslot *slot;
	struct pt_handle *h = NULL;

	pthread_mutex_lock(&s->lock);
	slot = slot_find(s, fh, dir);
	if (slot) {
		h = slot->h;
		slot->h = NULL;
		slot->gen++;
		slot->next_free = s->free_head;
		s->free_head = (uint32_t)(slot - s->slots) + 1;
		s->count--;
	}
	pthread_mutex_unlock(&s->lock);
	pt_handle_put(h);
	return h ? 0 : -EBADF;
}

/* Close every handle: at DESTROY, or at the end. */
static void shard_clear(struct pt_hshard *s)
{
	pthread_mutex_lock(&s->lock);
	for (uint32_t i = 0; i < s->nslots; i++) {
		struct pt_hslot *slot = &s->slots[i];

		if (!slot->h)
			continue;
		pt_handle_put(slot->h);
		slot->h = NULL;
		slot->gen++;
		slot->next_free = s->free_head;
		s->free_head = i + 1;
	}
	s->count = 0;
	pthread_mutex_unlock(&s->lock);
}

void pt_htable_reset(struct pt_fs *fs)
{
	for (int i = 0; i < PT_HSHARDS; i++)
		shard_clear(&fs->hshards[i]);
}

void pt_htable_fini(struct pt_fs *fs)
{
	pt_htable_reset(fs);
	for (int i = 0; i < PT_HSHARDS; i++) {
		free(fs->hshards[i].slots);
		pthread_mutex_destroy(&fs->hshards[i].lock);
	}
}

uint64_t pt_htable_count(struct pt_fs *fs)
{
	uint64_t n = 0;

	for (int i = 0; i < PT_HSHARDS; i++) {
		pthread_mutex_lock(&fs->hshards[i].lock);
		n += fs->hshards[i].count;
		pthread_mutex_unlock(&fs->hshards[i].lock);
	}
	return n;
}
