/*
 * Open files and directories.  A handle is the backend's own, carried
 * through untouched: every request that names one names its nodeid too,
 * which says whose it is.  Directory listings from a backend are
 * renumbered entry by entry as they are encoded (the dirbuf's map), so
 * the backend writes straight into the reply as it would alone.  Backing
 * files for FUSE passthrough need nothing from us: the backend registers
 * them through the request, which is the session's.
 */
#include <errno.h>

#include "drivers/vfs/vfsi.h"
#include "protocol/dirent.h"

int vfs_open(void *fs, const struct fbr_ctx *c, uint64_t ino,
	     const struct fuse_open_in *in, struct fuse_open_out *out)
{
	uint64_t own;
	int node;
	struct vfs_backend *b = vfs_route(fs, ino, &own, &node);

	if (!b)
		return node < 0 ? -ESTALE : -EISDIR;
	return VFS_CALL(b, open, c, own, in, out);
}

/*
 * A new file whose nodeid cannot be given out: its open is undone too
 * (vfs_map_entry gave the lookup back).
 */
static int created(struct vfs *v, struct vfs_backend *b,
		   const struct fbr_ctx *c, int err, struct fuse_entry_out *e,
		   const struct fuse_open_out *o)
{
	uint64_t own = e->nodeid;

	err = vfs_map_entry(v, b, err, e);
	if (err == -EOVERFLOW && b->drv.ops->release)
		b->drv.ops->release(b->drv.fs,
				    vfs_ctx(b, c, &(struct fbr_ctx){ 0 }), own,
				    &(struct fuse_release_in){ .fh = o->fh });
	return err;
}

int vfs_create(void *fs, const struct fbr_ctx *c, uint64_t parent,
	       const char *name, const struct fuse_create_in *in,
	       struct fuse_entry_out *entry, struct fuse_open_out *open)
{
	uint64_t own;
	int node, err;
	struct vfs_backend *b = vfs_route(fs, parent, &own, &node);

	if (!b)
		return node < 0 ? -ESTALE : -EROFS;
	err = VFS_CALL(b, create, c, own, name, in, entry, open);
	return created(fs, b, c, err, entry, open);
}

int vfs_tmpfile(void *fs, const struct fbr_ctx *c, uint64_t parent,
		const char *name, const struct fuse_create_in *in,
		struct fuse_entry_out *entry, struct fuse_open_out *open)
{
	uint64_t own;
	int node, err;
	struct vfs_backend *b = vfs_route(fs, parent, &own, &node);

	if (!b)
		return node < 0 ? -ESTALE : -EROFS;
	err = VFS_CALL(b, tmpfile, c, own, name, in, entry, open);
	return created(fs, b, c, err, entry, open);
}

/*
 * The operations on an open file: a pseudo directory has none (the
 * kernel sends them for files only), so there they are EBADF.
 */
#define ON_FILE(fs, ino, op, ...) \
	do { \
		uint64_t own_; \
		int node_; \
		struct vfs_backend *b_ = vfs_route(fs, ino, &own_, &node_); \
		if (!b_) \
			return node_ < 0 ? -ESTALE : -EBADF; \
		return VFS_CALL(b_, op, c, own_, __VA_ARGS__); \
	} while (0)

int vfs_read(void *fs, const struct fbr_ctx *c, uint64_t ino,
	     const struct fuse_read_in *in, const struct iovec *dst,
	     int dstcnt)
{
	ON_FILE(fs, ino, read, in, dst, dstcnt);
}

int vfs_write(void *fs, const struct fbr_ctx *c, uint64_t ino,
	      const struct fuse_write_in *in, const struct iovec *src,
	      int srccnt)
{
	ON_FILE(fs, ino, write, in, src, srccnt);
}

int vfs_flush(void *fs, const struct fbr_ctx *c, uint64_t ino,
	      const struct fuse_flush_in *in)
{
	ON_FILE(fs, ino, flush, in);
}

int vfs_release(void *fs, const struct fbr_ctx *c, uint64_t ino,
		const struct fuse_release_in *in)
{
	ON_FILE(fs, ino, release, in);
}

int vfs_fsync(void *fs, const struct fbr_ctx *c, uint64_t ino,
	      const struct fuse_fsync_in *in)
{
	ON_FILE(fs, ino, fsync, in);
}

int vfs_fallocate(void *fs, const struct fbr_ctx *c, uint64_t ino,
		  const struct fuse_fallocate_in *in)
{
	ON_FILE(fs, ino, fallocate, in);
}

int vfs_lseek(void *fs, const struct fbr_ctx *c, uint64_t ino,
	      const struct fuse_lseek_in *in, struct fuse_lseek_out *out)
{
	ON_FILE(fs, ino, lseek, in, out);
}

int vfs_getlk(void *fs, const struct fbr_ctx *c, uint64_t ino,
	      const struct fuse_lk_in *in, struct fuse_lk_out *out)
{
	ON_FILE(fs, ino, getlk, in, out);
}

int vfs_setlk(void *fs, const struct fbr_ctx *c, uint64_t ino,
	      const struct fuse_lk_in *in, bool sleep)
{
	ON_FILE(fs, ino, setlk, in, sleep);
}

/* The kernel sends it for directories too: a pseudo one has no ioctls. */
int vfs_ioctl(void *fs, const struct fbr_ctx *c, uint64_t ino,
	      const struct fuse_ioctl_in *in, const void *in_data,
	      void *out_data, int32_t *result)
{
	uint64_t own;
	int node;
	struct vfs_backend *b = vfs_route(fs, ino, &own, &node);

	if (!b)
		return node < 0 ? -ESTALE : -ENOTTY;
	if (!b->drv.ops->ioctl)
		return -ENOTTY;
	return b->drv.ops->ioctl(b->drv.fs, vfs_ctx(b, c, &(struct fbr_ctx){ 0 }),
				 own, in, in_data, out_data, result);
}

/* Between two backends, EXDEV: the kernel then copies by itself. */
int vfs_copy_file_range(void *fs, const struct fbr_ctx *c, uint64_t ino,
			const struct fuse_copy_file_range_in *in,
			uint64_t *copied)
{
	struct fuse_copy_file_range_in mine = *in;
	uint64_t own, outown;
	int node, outnode;
	struct vfs_backend *b = vfs_route(fs, ino, &own, &node);
	struct vfs_backend *ob = vfs_route(fs, in->nodeid_out, &outown,
					   &outnode);

	if (!b || !ob)
		return (b ? outnode : node) < 0 ? -ESTALE : -EBADF;
	if (b != ob)
		return -EXDEV;
	mine.nodeid_out = outown;
	return VFS_CALL(b, copy_file_range, c, own, &mine, copied);
}

int vfs_opendir(void *fs, const struct fbr_ctx *c, uint64_t ino,
		const struct fuse_open_in *in, struct fuse_open_out *out)
{
	uint64_t own;
	int node;
	struct vfs_backend *b = vfs_route(fs, ino, &own, &node);

	if (!b) {
		if (node < 0)
			return -ESTALE;
		out->fh = 0;
		/* The listing never changes: the kernel may keep it. */
		out->open_flags = FOPEN_KEEP_CACHE | FOPEN_CACHE_DIR;
		return 0;
	}
	return VFS_CALL(b, opendir, c, own, in, out);
}

struct remap {
	struct vfs *v;
	struct vfs_backend *b;
};

static int remap_dirent(void *arg, uint64_t *ino, struct fuse_entry_out *e)
{
	struct remap *r = arg;

	if (ino) {
		*ino = vfs_ino(&r->v->inos, r->b->idx, *ino);
		return 0;
	}
	if (e->nodeid == 0) { /* "." and "..": no lookup */
		vfs_map_attr(r->v, r->b, &e->attr);
		return 0;
	}
	if (e->nodeid > VFS_LOW)
		return -EOVERFLOW; /* the backend gives its lookup back */
	e->nodeid = vfs_id(r->b->idx, e->nodeid);
	vfs_map_attr(r->v, r->b, &e->attr);
	return 0;
}

static int listing(struct vfs *v, const struct fbr_ctx *c, uint64_t ino,
		   const struct fuse_read_in *in, struct fbr_dirbuf *buf)
{
	uint64_t own;
	int node, err;
	struct vfs_backend *b = vfs_route(v, ino, &own, &node);
	struct remap r = { v, b };
	int (*op)(void *, const struct fbr_ctx *, uint64_t,
		  const struct fuse_read_in *, struct fbr_dirbuf *);

	if (!b && node < 0)
		return -ESTALE;
	if (!b)
		return vfs_pseudo_readdir(v, c, (uint32_t)node, in, buf);
	op = buf->plus ? b->drv.ops->readdirplus : b->drv.ops->readdir;
	if (!op)
		return -ENOSYS;
	buf->map = remap_dirent;
	buf->map_arg = &r;
	err = op(b->drv.fs, vfs_ctx(b, c, &(struct fbr_ctx){ 0 }), own, in,
		 buf);
	buf->map = NULL;
	return err;
}

int vfs_readdir(void *fs, const struct fbr_ctx *c, uint64_t ino,
		const struct fuse_read_in *in, struct fbr_dirbuf *buf)
{
	return listing(fs, c, ino, in, buf);
}

int vfs_readdirplus(void *fs, const struct fbr_ctx *c, uint64_t ino,
		    const struct fuse_read_in *in, struct fbr_dirbuf *buf)
{
	return listing(fs, c, ino, in, buf);
}

int vfs_releasedir(void *fs, const struct fbr_ctx *c, uint64_t ino,
		   const struct fuse_release_in *in)
{
	uint64_t own;
	int node;
	struct vfs_backend *b = vfs_route(fs, ino, &own, &node);

	if (!b)
		return node < 0 ? -ESTALE : 0;
	return VFS_CALL(b, releasedir, c, own, in);
}

int vfs_fsyncdir(void *fs, const struct fbr_ctx *c, uint64_t ino,
		 const struct fuse_fsync_in *in)
{
	uint64_t own;
	int node;
	struct vfs_backend *b = vfs_route(fs, ino, &own, &node);

	if (!b)
		return node < 0 ? -ESTALE : 0;
	return VFS_CALL(b, fsyncdir, c, own, in);
}
