/*
 * A small open-addressing hash map from 64-bit keys to 64-bit values, for
 * the decoder's per-message bookkeeping: pending uniques, nodeids, file
 * handles.  Linear probing with backward-shift deletion, so lookups stay
 * short however many keys come and go; it doubles at half full.  Every
 * key is allowed, 0 included (file handles may be 0).
 */
#ifndef FBR_TRACE_U64MAP_H
#define FBR_TRACE_U64MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fbr_u64map {
	uint64_t *keys, *vals;
	uint8_t *used;
	size_t cap, n;   /* cap: a power of two, or 0 before the first put */
};

/* The value stored for key, or NULL; valid until the next put or del. */
uint64_t *fbr_u64map_get(const struct fbr_u64map *m, uint64_t key);
/* Set key to val, adding it if new.  0 or -ENOMEM. */
int fbr_u64map_put(struct fbr_u64map *m, uint64_t key, uint64_t val);
/* Remove key; true (and its value in *val, if val) if it was there. */
bool fbr_u64map_del(struct fbr_u64map *m, uint64_t key, uint64_t *val);
void fbr_u64map_clear(struct fbr_u64map *m);
void fbr_u64map_free(struct fbr_u64map *m);

#endif
