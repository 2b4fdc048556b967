/*
 * The u64 map: see u64map.h.  Fibonacci hashing spreads the sequential
 * keys FUSE hands out (uniques step by 2, nodeids count up) evenly.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "trace/u64map.h"

static size_t slot(const struct fbr_u64map *m, uint64_t key)
{
	return (size_t)((key * 0x9e3779b97f4a7c15ull) >> 32) & (m->cap - 1);
}

uint64_t *fbr_u64map_get(const struct fbr_u64map *m, uint64_t key)
{
	if (!m->cap)
		return NULL;
	for (size_t i = slot(m, key);; i = (i + 1) & (m->cap - 1)) {
		if (!m->used[i])
			return NULL;
		if (m->keys[i] == key)
			return &m->vals[i];
	}
}

static void insert(struct fbr_u64map *m, uint64_t key, uint64_t val)
{
	size_t i = slot(m, key);

	while (m->used[i] && m->keys[i] != key)
		i = (i + 1) & (m->cap - 1);
	if (!m->used[i])
		m->n++;
	m->used[i] = 1;
	m->keys[i] = key;
	m->vals[i] = val;
}

static int grow(struct fbr_u64map *m)
{
	struct fbr_u64map old = *m;
	size_t cap = m->cap ? m->cap * 2 : 64;

	m->keys = malloc(cap * sizeof(*m->keys));
	m->vals = malloc(cap * sizeof(*m->vals));
	m->used = calloc(cap, 1);
	if (!m->keys || !m->vals || !m->used) {
		free(m->keys);
		free(m->vals);
		free(m->used);
		*m = old;
		return -ENOMEM;
	}
	m->cap = cap;
	m->n = 0;
	for (size_t i = 0; i < old.cap; i++)
		if (old.used[i])
			insert(m, old.keys[i], old.vals[i]);
	fbr_u64map_free(&old);
	return 0;
}

int fbr_u64map_put(struct fbr_u64map *m, uint64_t key, uint64_t val)
{
	if ((m->n + 1) * 2 > m->cap && grow(m) != 0)
		return -ENOMEM;
	insert(m, key, val);
	return 0;
}

/* Close the gap at i: move back every later key that probed past it. */
static void backshift(struct fbr_u64map *m, size_t i)
{
	size_t mask = m->cap - 1;

	for (size_t j = (i + 1) & mask; m->used[j]; j = (j + 1) & mask) {
		size_t home = slot(m, m->keys[j]);

		/* j's key may move to i unless its home lies in (i, j]. */
		if (((j - home) & mask) < ((j - i) & mask))
			continue;
		m->keys[i] = m->keys[j];
		m->vals[i] = m->vals[j];
		m->used[i] = 1;
		m->used[j] = 0;
		i = j;
	}
}

bool fbr_u64map_del(struct fbr_u64map *m, uint64_t key, uint64_t *val)
{
	uint64_t *v = fbr_u64map_get(m, key);
	size_t i;

	if (!v)
		return false;
	i = (size_t)(v - m->vals);
	if (val)
		*val = *v;
	m->used[i] = 0;
	m->n--;
	backshift(m, i);
	return true;
}

void fbr_u64map_clear(struct fbr_u64map *m)
{
	if (m->cap)
		memset(m->used, 0, m->cap);
	m->n = 0;
}

void fbr_u64map_free(struct fbr_u64map *m)
{
	free(m->keys);
	free(m->vals);
	free(m->used);
	memset(m, 0, sizeof(*m));
}
