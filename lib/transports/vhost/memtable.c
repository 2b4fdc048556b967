/*
 * The guest memory table.  Regions are few (eight with SET_MEM_TABLE, a
 * few dozen with ADD_MEM_REG), so lookups are a linear scan; a range must
 * fit one region whole, since neighbours in guest space need not be
 * neighbours in ours.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "transports/vhost/memtable.h"

/* Does [a, a+alen) meet [b, b+blen)?  Lengths are nonzero and do not wrap. */
static int overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

static int check_new(const struct fbr_memtable *t, uint64_t gpa, uint64_t size,
		     uint64_t uva, uint64_t offset)
{
	if (!size || gpa + size < gpa || uva + size < uva ||
	    offset + size < offset || offset + size > SIZE_MAX)
		return -EINVAL;
	if (t->n >= FBR_MEM_MAX_REGIONS)
		return -ENOSPC;
	for (unsigned i = 0; i < t->n; i++)
		if (overlaps(gpa, size, t->r[i].gpa, t->r[i].size))
			return -EINVAL;
	return 0;
}

/*
 * Touching a shared mapping past the end of its file raises SIGBUS: a
 * region must lie inside the file as it is now.  (A front-end that
 * shrinks the file later can still do that; the guest cannot.)
 */
static int check_file(int fd, uint64_t end)
{
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	if (S_ISREG(st.st_mode) && (uint64_t)st.st_size < end)
		return -EINVAL;
	return 0;
}

int fbr_mem_add(struct fbr_memtable *t, int fd, uint64_t gpa, uint64_t size,
		uint64_t uva, uint64_t offset)
{
	struct fbr_mem_region *r;
	void *map;
	int err = check_new(t, gpa, size, uva, offset);

	if (!err)
		err = check_file(fd, offset + size);
	if (err)
		return err;
	/* Map from 0: mmap wants a page-aligned offset, mmap_offset need not be. */
	map = mmap(NULL, (size_t)(offset + size), PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_NORESERVE, fd, 0);
	if (map == MAP_FAILED)
		return -errno;
	r = &t->r[t->n++];
	*r = (struct fbr_mem_region){
		.gpa = gpa, .size = size, .uva = uva, .offset = offset,
		.map = map, .maplen = (size_t)(offset + size),
	};
	return 0;
}

int fbr_mem_remove(struct fbr_memtable *t, uint64_t gpa, uint64_t size)
{
	for (unsigned i = 0; i < t->n; i++) {
		if (t->r[i].gpa != gpa || t->r[i].size != size)
			continue;
		munmap(t->r[i].map, t->r[i].maplen);
		t->r[i] = t->r[--t->n];
		return 0;
	}
	return -ENOENT;
}

void fbr_mem_clear(struct fbr_memtable *t)
{
	for (unsigned i = 0; i < t->n; i++)
		munmap(t->r[i].map, t->r[i].maplen);
	t->n = 0;
}

static void *inside(const struct fbr_mem_region *r, uint64_t base,
		    uint64_t addr, uint64_t len)
{
	uint64_t off;

	if (addr < base)
		return NULL;
	off = addr - base;
	if (off >= r->size || len > r->size - off)
		return NULL;
	return r->map + r->offset + off;
}

void *fbr_mem_gpa(const struct fbr_memtable *t, uint64_t gpa, uint64_t len)
{
	for (unsigned i = 0; i < t->n; i++) {
		void *p = inside(&t->r[i], t->r[i].gpa, gpa, len);

		if (p)
			return p;
	}
	return NULL;
}

void *fbr_mem_uva(const struct fbr_memtable *t, uint64_t uva, uint64_t len)
{
	for (unsigned i = 0; i < t->n; i++) {
		void *p = inside(&t->r[i], t->r[i].uva, uva, len);

		if (p)
			return p;
	}
	return NULL;
}
