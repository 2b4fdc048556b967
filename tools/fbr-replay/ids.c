/*
 * Recorded ids bound to live ones.  A nodeid or handle names something
 * for one run only: the recording's server gave out its numbers, the live
 * driver gives out its own, and a request of the trace is sent with the
 * live number its recorded one was bound to when both replies gave them
 * out.  Bindings go both ways, so that one live id standing for two
 * recorded ones (or the reverse) shows up as a divergence.  Lookup counts
 * are kept as the recording's kernel held them, so a nodeid is unbound
 * when its last lookup is forgotten, and the driver's own count can be
 * checked against them.
 */
#include <errno.h>

#include "replay.h"

static void unbind(struct fbr_u64map *fwd, struct fbr_u64map *rev, uint64_t r)
{
	uint64_t l;

	if (fbr_u64map_del(fwd, r, &l))
		fbr_u64map_del(rev, l, NULL);
}

/* r and l stand for each other now, and for nothing else. */
static int bind(struct fbr_u64map *fwd, struct fbr_u64map *rev, uint64_t r,
		uint64_t l)
{
	uint64_t old;

	unbind(fwd, rev, r);
	if (fbr_u64map_del(rev, l, &old))
		fbr_u64map_del(fwd, old, NULL);
	if (fbr_u64map_put(fwd, r, l) || fbr_u64map_put(rev, l, r))
		return -ENOMEM;
	return 0;
}

static bool agrees(const struct fbr_u64map *fwd, const struct fbr_u64map *rev,
		   uint64_t r, uint64_t l)
{
	const uint64_t *v = fbr_u64map_get(fwd, r);

	if (v)
		return *v == l;
	v = fbr_u64map_get(rev, l);
	return !v || *v == r;
}

void ids_free(struct ids *ids)
{
	fbr_u64map_free(&ids->node);
	fbr_u64map_free(&ids->live_node);
	fbr_u64map_free(&ids->count);
	fbr_u64map_free(&ids->fh);
	fbr_u64map_free(&ids->live_fh);
}

/* DESTROY: the kernel forgot every nodeid and handle at once. */
void ids_clear(struct ids *ids)
{
	fbr_u64map_clear(&ids->node);
	fbr_u64map_clear(&ids->live_node);
	fbr_u64map_clear(&ids->count);
	fbr_u64map_clear(&ids->fh);
	fbr_u64map_clear(&ids->live_fh);
}

/*
 * An unbound id is sent as one no driver gives out, so that it cannot
 * name, by chance, what the live driver numbered the same.
 */
#define NO_ID UINT64_MAX

uint64_t ids_node(const struct ids *ids, uint64_t r, bool *bound)
{
	const uint64_t *v;

	*bound = true;
	if (r == 0 || r == FUSE_ROOT_ID)
		return r;
	v = fbr_u64map_get(&ids->node, r);
	*bound = v != NULL;
	return v ? *v : NO_ID;
}

uint64_t ids_fh(const struct ids *ids, uint64_t r, bool *bound)
{
	const uint64_t *v = fbr_u64map_get(&ids->fh, r);

	*bound = v != NULL;
	return v ? *v : NO_ID;
}

bool ids_node_agrees(const struct ids *ids, uint64_t r, uint64_t l)
{
	if (r == 0 || l == 0 || r == FUSE_ROOT_ID || l == FUSE_ROOT_ID)
		return r == l;
	return agrees(&ids->node, &ids->live_node, r, l);
}

bool ids_fh_agrees(const struct ids *ids, uint64_t r, uint64_t l)
{
	return agrees(&ids->fh, &ids->live_fh, r, l);
}

int ids_lookup(struct ids *ids, uint64_t r, uint64_t l)
{
	uint64_t *n;

	if (r == 0 || r == FUSE_ROOT_ID)
		return 0; /* no lookup to count; the root is never forgotten */
	n = fbr_u64map_get(&ids->count, r);
	if (n)
		++*n;
	else if (fbr_u64map_put(&ids->count, r, 1))
		return -ENOMEM;
	if (l == 0 || l == FUSE_ROOT_ID)
		return 0;
	return bind(&ids->node, &ids->live_node, r, l);
}

int ids_bind_node(struct ids *ids, uint64_t r, uint64_t l)
{
	if (!fbr_u64map_get(&ids->count, r) || l == FUSE_ROOT_ID)
		return 0; /* bound only while the recording holds a lookup */
	return bind(&ids->node, &ids->live_node, r, l);
}

void ids_forget(struct ids *ids, uint64_t r, uint64_t n)
{
	uint64_t *c = fbr_u64map_get(&ids->count, r);

	if (!c)
		return;
	if (*c > n) {
		*c -= n;
		return;
	}
	fbr_u64map_del(&ids->count, r, NULL);
	unbind(&ids->node, &ids->live_node, r);
}

int ids_open(struct ids *ids, uint64_t r, uint64_t l)
{
	return bind(&ids->fh, &ids->live_fh, r, l);
}

void ids_release(struct ids *ids, uint64_t r)
{
	unbind(&ids->fh, &ids->live_fh, r);
}

uint64_t ids_held(const struct ids *ids)
{
	return ids->node.n + 1;
}
