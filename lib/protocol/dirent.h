/*
 * Directory listing encoding: fuse_dirent and fuse_direntplus records,
 * written straight into the reply's payload space, which may be scattered
 * over several buffers (guest memory under virtio-fs).
 */
#ifndef FBR_PROTOCOL_DIRENT_H
#define FBR_PROTOCOL_DIRENT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/uio.h>

#define FBR_DIRBUF_MAXIOV 16

struct fbr_dirbuf {
	struct iovec iov[FBR_DIRBUF_MAXIOV];
	int cnt;
	size_t cap;   /* bytes the kernel asked for, or fewer */
	size_t used;
	bool plus;    /* READDIRPLUS: only fbr_dirbuf_add_plus() is allowed */
};

/* A buffer over iov (cnt entries, cap bytes in all). */
void fbr_dirbuf_init(struct fbr_dirbuf *b, const struct iovec *iov, int cnt,
		     size_t cap, bool plus);

#endif
