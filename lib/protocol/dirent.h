/*
 * Directory listing encoding: fuse_dirent and fuse_direntplus records,
 * written straight into the reply's payload space, which may be scattered
 * over several buffers (guest memory under virtio-fs).
 */
#ifndef FBR_PROTOCOL_DIRENT_H
#define FBR_PROTOCOL_DIRENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define FBR_DIRBUF_MAXIOV 16

struct fuse_entry_out;

struct fbr_dirbuf {
	struct iovec iov[FBR_DIRBUF_MAXIOV];
	int cnt;
	size_t cap;   /* bytes the kernel asked for, or fewer */
	size_t used;
	bool plus;    /* READDIRPLUS: only fbr_dirbuf_add_plus() is allowed */
	/*
	 * Set by a driver that forwards the listing to another (vfs): renames
	 * each entry's numbers before it is encoded.  ino is the dirent's
	 * (READDIR), e a copy of the entry (READDIRPLUS); the other is NULL.
	 * An error fails that add.
	 */
	int (*map)(void *arg, uint64_t *ino, struct fuse_entry_out *e);
	void *map_arg;
};

/* A buffer over iov (cnt entries, cap bytes in all). */
void fbr_dirbuf_init(struct fbr_dirbuf *b, const struct iovec *iov, int cnt,
		     size_t cap, bool plus);

#endif
