/*
 * Directory entries: each record is padded to 8 bytes, and one that does
 * not fit whole is not written at all, so the kernel resumes from the last
 * offset it saw.
 */
#include <errno.h>
#include <string.h>

#include "fbr/driver.h"
#include "protocol/dirent.h"

void fbr_dirbuf_init(struct fbr_dirbuf *b, const struct iovec *iov, int cnt,
		     size_t cap, bool plus)
{
	memset(b, 0, sizeof(*b));
	if (cnt > FBR_DIRBUF_MAXIOV)
		cnt = FBR_DIRBUF_MAXIOV;
	memcpy(b->iov, iov, sizeof(*iov) * (size_t)cnt);
	b->cnt = cnt;
	b->cap = 0;
	for (int i = 0; i < cnt; i++)
		b->cap += iov[i].iov_len;
	if (b->cap > cap)
		b->cap = cap;
	b->plus = plus;
}

/* Copy len bytes to the buffer at offset b->used, across its iovecs. */
static void put(struct fbr_dirbuf *b, const void *src, size_t len)
{
	size_t pos = b->used;
	const char *p = src;

	for (int i = 0; i < b->cnt && len; i++) {
		size_t n;

		if (pos >= b->iov[i].iov_len) {
			pos -= b->iov[i].iov_len;
			continue;
		}
		n = b->iov[i].iov_len - pos;
		if (n > len)
			n = len;
		memcpy((char *)b->iov[i].iov_base + pos, p, n);
		p += n;
		len -= n;
		pos = 0;
	}
	b->used += (size_t)(p - (const char *)src);
}

static int add(struct fbr_dirbuf *b, const struct fuse_entry_out *entry,
	       const char *name, uint64_t ino, uint32_t type, uint64_t off)
{
	static const char zeros[8];
	size_t namelen = strlen(name);
	size_t head = entry ? FUSE_NAME_OFFSET_DIRENTPLUS : FUSE_NAME_OFFSET;
	size_t reclen = FUSE_DIRENT_ALIGN(head + namelen);
	struct fuse_dirent d = { .ino = ino, .off = off,
				 .namelen = (uint32_t)namelen, .type = type };

	if (namelen == 0 || namelen > FUSE_NAME_MAX)
		return -EINVAL;
	if (reclen > b->cap - b->used)
		return -ENOSPC;
	if (entry)
		put(b, entry, sizeof(*entry));
	put(b, &d, sizeof(d));
	put(b, name, namelen);
	put(b, zeros, reclen - head - namelen);
	return 0;
}

int fbr_dirbuf_add(struct fbr_dirbuf *b, const char *name, uint64_t ino,
		   uint32_t type, uint64_t off)
{
	int err;

	if (b->plus)
		return -EINVAL;
	if (b->map && (err = b->map(b->map_arg, &ino, NULL)))
		return err;
	return add(b, NULL, name, ino, type, off);
}

int fbr_dirbuf_add_plus(struct fbr_dirbuf *b, const char *name,
			const struct fuse_entry_out *entry, uint64_t off)
{
	struct fuse_entry_out mapped;
	int err;

	if (!b->plus)
		return -EINVAL;
	if (b->map) {
		mapped = *entry;
		if ((err = b->map(b->map_arg, NULL, &mapped)))
			return err;
		entry = &mapped;
	}
	return add(b, entry, name, entry->attr.ino,
		   (entry->attr.mode & 0170000) >> 12, off);
}
