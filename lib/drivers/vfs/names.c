/*
 * The namespace and attribute operations: each goes to the backend that
 * owns its nodeid, with the backend's own nodeid, and what comes back is
 * renumbered; on a pseudo directory, what reads is answered from the
 * tree and what writes is EROFS.  fuse-backend-rs answers ENOSYS there
 * (its pseudo filesystem leaves those operations out), but the kernel
 * takes ENOSYS to CREATE, SETXATTR and others as "never again", for the
 * whole mount, backends too.  An operation naming two directories in
 * different backends (RENAME, LINK) is EXDEV, which mv(1) and cp(1) take
 * as "copy instead" (fuse-backend-rs answers EINVAL).
 */
#include <errno.h>
#include <string.h>

#include "drivers/vfs/vfsi.h"

int vfs_lookup(void *fs, const struct fbr_ctx *c, uint64_t parent,
	       const char *name, struct fuse_entry_out *out)
{
	struct vfs *v = fs;
	uint64_t own;
	int node, err;
	struct vfs_backend *b = vfs_route(v, parent, &own, &node);

	if (!b && node < 0)
		return -ESTALE;
	if (!b)
		return vfs_pseudo_lookup(v, c, (uint32_t)node, name, out);
	/* Above a backend's root is the pseudo tree (NFS export asks). */
	if (own == FUSE_ROOT_ID && !strcmp(name, ".."))
		return vfs_pseudo_entry(v, c, v->tree.nodes[b->node].parent,
					out);
	err = VFS_CALL(b, lookup, c, own, name, out);
	return vfs_map_entry(v, b, err, out);
}

/* Roots are kept whatever the count (the kernel never forgets its own
   root, and a backend expects the same of its). */
void vfs_forget(void *fs, uint64_t ino, uint64_t nlookup)
{
	uint64_t own;
	int node;
	struct vfs_backend *b = vfs_route(fs, ino, &own, &node);

	if (b && own != FUSE_ROOT_ID && b->drv.ops->forget)
		b->drv.ops->forget(b->drv.fs, own, nlookup);
}

int vfs_getattr(void *fs, const struct fbr_ctx *c, uint64_t ino,
		const struct fuse_getattr_in *in, struct fuse_attr_out *out)
{
	struct vfs *v = fs;
	uint64_t own;
	int node, err;
	struct vfs_backend *b = vfs_route(v, ino, &own, &node);

	if (!b)
		return node < 0 ? -ESTALE
				: vfs_pseudo_getattr(v, (uint32_t)node, out);
	err = VFS_CALL(b, getattr, c, own, in, out);
	if (!err)
		vfs_map_attr(v, b, &out->attr);
	return err;
}

int vfs_setattr(void *fs, const struct fbr_ctx *c, uint64_t ino,
		const struct fuse_setattr_in *in, struct fuse_attr_out *out)
{
	struct vfs *v = fs;
	uint64_t own;
	int node, err;
	struct vfs_backend *b = vfs_route(v, ino, &own, &node);

	if (!b)
		return node < 0 ? -ESTALE : -EROFS;
	err = VFS_CALL(b, setattr, c, own, in, out);
	if (!err)
		vfs_map_attr(v, b, &out->attr);
	return err;
}

int vfs_statx(void *fs, const struct fbr_ctx *c, uint64_t ino,
	      const struct fuse_statx_in *in, struct fuse_statx_out *out)
{
	struct vfs *v = fs;
	uint64_t own;
	int node, err;
	struct vfs_backend *b = vfs_route(v, ino, &own, &node);

	if (!b)
		return node < 0 ? -ESTALE
				: vfs_pseudo_statx(v, (uint32_t)node, out);
	err = VFS_CALL(b, statx, c, own, in, out);
	if (!err)
		out->stat.ino = vfs_ino(&v->inos, b->idx, out->stat.ino);
	return err;
}

int vfs_readlink(void *fs, const struct fbr_ctx *c, uint64_t ino, char *buf,
		 size_t size)
{
	uint64_t own;
	int node;
	struct vfs_backend *b = vfs_route(fs, ino, &own, &node);

	if (!b)
		return node < 0 ? -ESTALE : -EINVAL;
	return VFS_CALL(b, readlink, c, own, buf, size);
}

/* The backend of a directory about to change: NULL with *err if none. */
static struct vfs_backend *writable(struct vfs *v, uint64_t dir,
				    uint64_t *own, int *err)
{
	int node;
	struct vfs_backend *b = vfs_route(v, dir, own, &node);

	*err = b ? 0 : node < 0 ? -ESTALE : -EROFS;
	return b;
}

int vfs_symlink(void *fs, const struct fbr_ctx *c, uint64_t parent,
		const char *name, const char *target,
		struct fuse_entry_out *out)
{
	uint64_t own;
	int err;
	struct vfs_backend *b = writable(fs, parent, &own, &err);

	if (!b)
		return err;
	err = VFS_CALL(b, symlink, c, own, name, target, out);
	return vfs_map_entry(fs, b, err, out);
}

int vfs_mknod(void *fs, const struct fbr_ctx *c, uint64_t parent,
	      const char *name, const struct fuse_mknod_in *in,
	      struct fuse_entry_out *out)
{
	uint64_t own;
	int err;
	struct vfs_backend *b = writable(fs, parent, &own, &err);

	if (!b)
		return err;
	err = VFS_CALL(b, mknod, c, own, name, in, out);
	return vfs_map_entry(fs, b, err, out);
}

int vfs_mkdir(void *fs, const struct fbr_ctx *c, uint64_t parent,
	      const char *name, const struct fuse_mkdir_in *in,
	      struct fuse_entry_out *out)
{
	uint64_t own;
	int err;
	struct vfs_backend *b = writable(fs, parent, &own, &err);

	if (!b)
		return err;
	err = VFS_CALL(b, mkdir, c, own, name, in, out);
	return vfs_map_entry(fs, b, err, out);
}

int vfs_unlink(void *fs, const struct fbr_ctx *c, uint64_t parent,
	       const char *name)
{
	uint64_t own;
	int err;
	struct vfs_backend *b = writable(fs, parent, &own, &err);

	return b ? VFS_CALL(b, unlink, c, own, name) : err;
}

int vfs_rmdir(void *fs, const struct fbr_ctx *c, uint64_t parent,
	      const char *name)
{
	uint64_t own;
	int err;
	struct vfs_backend *b = writable(fs, parent, &own, &err);

	return b ? VFS_CALL(b, rmdir, c, own, name) : err;
}

int vfs_rename(void *fs, const struct fbr_ctx *c, uint64_t olddir,
	       const char *oldname, uint64_t newdir, const char *newname,
	       uint32_t flags)
{
	uint64_t own, newown;
	int err, newerr;
	struct vfs_backend *b = writable(fs, olddir, &own, &err);
	struct vfs_backend *nb = writable(fs, newdir, &newown, &newerr);

	if (!b || !nb)
		return b ? newerr : err;
	if (b != nb)
		return -EXDEV;
	return VFS_CALL(b, rename, c, own, oldname, newown, newname, flags);
}

int vfs_link(void *fs, const struct fbr_ctx *c, uint64_t ino,
	     uint64_t newparent, const char *newname,
	     struct fuse_entry_out *out)
{
	uint64_t own, dirown;
	int node, err;
	struct vfs_backend *b = vfs_route(fs, ino, &own, &node);
	struct vfs_backend *db = writable(fs, newparent, &dirown, &err);

	if (!db)
		return err;
	if (!b)
		return node < 0 ? -ESTALE : -EXDEV;
	if (b != db)
		return -EXDEV;
	err = VFS_CALL(b, link, c, own, dirown, newname, out);
	return vfs_map_entry(fs, b, err, out);
}

int vfs_statfs(void *fs, const struct fbr_ctx *c, uint64_t ino,
	       struct fuse_kstatfs *out)
{
	uint64_t own;
	int node;
	struct vfs_backend *b = vfs_route(fs, ino, &own, &node);

	if (!b)
		return node < 0 ? -ESTALE : vfs_pseudo_statfs(fs, out);
	return VFS_CALL(b, statfs, c, own, out);
}

int vfs_access(void *fs, const struct fbr_ctx *c, uint64_t ino,
	       uint32_t mask)
{
	uint64_t own;
	int node;
	struct vfs_backend *b = vfs_route(fs, ino, &own, &node);

	if (!b)
		return node < 0 ? -ESTALE : vfs_pseudo_access(mask);
	return VFS_CALL(b, access, c, own, mask);
}

int vfs_setxattr(void *fs, const struct fbr_ctx *c, uint64_t ino,
		 const struct fuse_setxattr_in *in, const char *name,
		 const void *value)
{
	uint64_t own;
	int err;
	struct vfs_backend *b = writable(fs, ino, &own, &err);

	return b ? VFS_CALL(b, setxattr, c, own, in, name, value) : err;
}

/* Pseudo directories have no extended attributes. */
int vfs_getxattr(void *fs, const struct fbr_ctx *c, uint64_t ino,
		 const char *name, void *buf, size_t size)
{
	uint64_t own;
	int node;
	struct vfs_backend *b = vfs_route(fs, ino, &own, &node);

	if (!b)
		return node < 0 ? -ESTALE : -ENODATA;
	return VFS_CALL(b, getxattr, c, own, name, buf, size);
}

int vfs_listxattr(void *fs, const struct fbr_ctx *c, uint64_t ino,
		  char *buf, size_t size)
{
	uint64_t own;
	int node;
	struct vfs_backend *b = vfs_route(fs, ino, &own, &node);

	if (!b)
		return node < 0 ? -ESTALE : 0;
	return VFS_CALL(b, listxattr, c, own, buf, size);
}

int vfs_removexattr(void *fs, const struct fbr_ctx *c, uint64_t ino,
		    const char *name)
{
	uint64_t own;
	int err;
	struct vfs_backend *b = writable(fs, ino, &own, &err);

	return b ? VFS_CALL(b, removexattr, c, own, name) : err;
}

/* SYNCFS names the mount's root, which stands for every backend. */
int vfs_syncfs(void *fs, const struct fbr_ctx *c, uint64_t ino)
{
	struct vfs *v = fs;
	int err = 0;

	(void)ino;
	for (unsigned i = 0; i < v->n; i++) {
		struct vfs_backend *b = &v->backends[i];
		int e = b->drv.ops->syncfs ?
			b->drv.ops->syncfs(b->drv.fs, c, FUSE_ROOT_ID) : 0;

		if (!err)
			err = e;
	}
	return err;
}
