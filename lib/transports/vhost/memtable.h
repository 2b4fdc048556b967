/*
 * Guest memory as the front-end shares it: regions of memfd (or hugetlbfs)
 * files, each mapped into our address space once.  Every address the guest
 * or the front-end hands us goes through a translate call that checks the
 * whole range lies inside one region; anything else is refused.
 */
#ifndef FBR_TRANSPORTS_VHOST_MEMTABLE_H
#define FBR_TRANSPORTS_VHOST_MEMTABLE_H

#include <stddef.h>
#include <stdint.h>

#define FBR_MEM_MAX_REGIONS 32

struct fbr_mem_region {
	uint64_t gpa;          /* guest physical address of the first byte */
	uint64_t size;
	uint64_t uva;          /* the front-end's virtual address of it */
	uint64_t offset;       /* where it starts in the file */
	unsigned char *map;    /* our mapping of the file from 0 */
	size_t maplen;
};

struct fbr_memtable {
	unsigned n;
	struct fbr_mem_region r[FBR_MEM_MAX_REGIONS];
};

/*
 * Map size bytes of fd from offset as a region (the fd is not kept).
 * 0, -EINVAL (empty, overflowing or overlapping another region),
 * -ENOSPC (table full), or mmap's -errno.
 */
int fbr_mem_add(struct fbr_memtable *t, int fd, uint64_t gpa, uint64_t size,
		uint64_t uva, uint64_t offset);
/* Unmap the region starting at gpa with this size: 0 or -ENOENT. */
int fbr_mem_remove(struct fbr_memtable *t, uint64_t gpa, uint64_t size);
void fbr_mem_clear(struct fbr_memtable *t);

/* Our pointer to [gpa, gpa+len) in guest physical space, or NULL. */
void *fbr_mem_gpa(const struct fbr_memtable *t, uint64_t gpa, uint64_t len);
/* The same for the front-end's virtual addresses (the ring addresses). */
void *fbr_mem_uva(const struct fbr_memtable *t, uint64_t uva, uint64_t len);

#endif
