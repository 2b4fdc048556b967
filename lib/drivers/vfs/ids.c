/*
 * Numbers across backends.  A nodeid carries its backend in the top 8
 * bits, as fuse-backend-rs's Vfs does, so routing a request is a shift.
 *
 * Inode numbers are kept apart the same way, but from the backend's
 * st_ino rather than its nodeid (fuse-backend-rs reports the nodeid as
 * st_ino): a nodeid changes once the kernel forgets it, and tools that
 * remember st_ino (git, backup tools, hard link detection) would see a
 * different file.  A backend st_ino of 2^56 or more (the passthrough
 * driver gives such to inodes it cannot fold with their device) cannot
 * take the index in its top bits: it gets a number of its own, kept for
 * good, from a range no folded number uses (index bit 7 set).
 */
#include <errno.h>
#include <stdlib.h>

#include "drivers/vfs/vfsi.h"

struct vfs_bigino {
	struct vfs_bigino *next;
	unsigned idx;
	uint64_t st_ino;
	uint64_t ino;
};

void vfs_inomap_init(struct vfs_inomap *m)
{
	pthread_mutex_init(&m->lock, NULL);
	for (int i = 0; i < 64; i++)
		m->buckets[i] = NULL;
	m->next = 0;
}

void vfs_inomap_fini(struct vfs_inomap *m)
{
	for (int i = 0; i < 64; i++) {
		while (m->buckets[i]) {
			struct vfs_bigino *b = m->buckets[i];

			m->buckets[i] = b->next;
			free(b);
		}
	}
	pthread_mutex_destroy(&m->lock);
}

static unsigned bucket(unsigned idx, uint64_t st_ino)
{
	uint64_t h = (st_ino ^ idx) * 0x9e3779b97f4a7c15ULL;

	return (unsigned)(h >> 58);
}

/* Out of memory, the low bits with the range's index are the best there
   is: they may meet another big number, a lesser harm than failing. */
static uint64_t big(struct vfs_inomap *m, unsigned idx, uint64_t st_ino)
{
	struct vfs_bigino **head = &m->buckets[bucket(idx, st_ino)], *b;
	uint64_t ino = vfs_id(idx | VFS_BIG, vfs_low(st_ino) | 1);

	pthread_mutex_lock(&m->lock);
	for (b = *head; b; b = b->next)
		if (b->idx == idx && b->st_ino == st_ino)
			break;
	if (!b && (b = malloc(sizeof(*b)))) {
		*b = (struct vfs_bigino){
			.next = *head, .idx = idx, .st_ino = st_ino,
			.ino = vfs_id(idx | VFS_BIG, ++m->next),
		};
		*head = b;
	}
	if (b)
		ino = b->ino;
	pthread_mutex_unlock(&m->lock);
	return ino;
}

uint64_t vfs_ino(struct vfs_inomap *m, unsigned idx, uint64_t st_ino)
{
	if (st_ino == 0)
		return 0;
	if (st_ino <= VFS_LOW)
		return vfs_id(idx, st_ino);
	return big(m, idx, st_ino);
}

struct vfs_backend *vfs_route(struct vfs *v, uint64_t nodeid, uint64_t *own,
			      int *node)
{
	unsigned idx = vfs_idx(nodeid);

	*own = vfs_low(nodeid);
	*node = -1;
	if (idx == 0) {
		*node = vfs_tree_node(&v->tree, nodeid);
		/* A backend's place is never handed out: it names nothing. */
		if (*node >= 0 && v->tree.nodes[*node].backend >= 0)
			*node = -1;
		return NULL;
	}
	return idx <= v->n ? &v->backends[idx - 1] : NULL;
}

void vfs_map_attr(struct vfs *v, const struct vfs_backend *b,
		  struct fuse_attr *a)
{
	a->ino = vfs_ino(&v->inos, b->idx, a->ino);
}

/*
 * A backend nodeid too big to carry the index cannot be given out: the
 * lookup it counted is given back.  The passthrough driver's nodeids
 * count up from 64 per shard, and never get there.
 */
int vfs_map_entry(struct vfs *v, const struct vfs_backend *b, int err,
		  struct fuse_entry_out *e)
{
	if (err)
		return err;
	if (e->nodeid > VFS_LOW) {
		if (b->drv.ops->forget)
			b->drv.ops->forget(b->drv.fs, e->nodeid, 1);
		return -EOVERFLOW;
	}
	e->nodeid = vfs_id(b->idx, e->nodeid);
	vfs_map_attr(v, b, &e->attr);
	return 0;
}
