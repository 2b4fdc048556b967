/*
 * The pseudo directories: read-only, owned by the server's user, mode
 * 0555, their times the vfs's birth, never changing, so the kernel may
 * keep their names and attributes for long.  A name that is a backend's
 * place answers the backend's root, whose attributes are the backend's.
 */
#define _GNU_SOURCE 1
#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drivers/vfs/vfsi.h"
#include "protocol/dirent.h"

#define PSEUDO_TIMEOUT 86400 /* seconds */
#define PSEUDO_MODE (S_IFDIR | 0555)

static uint32_t nlink(const struct vfs *v, uint32_t node)
{
	uint32_t n = 2;

	for (uint32_t i = 1; i < v->tree.n; i++)
		n += v->tree.nodes[i].parent == node;
	return n;
}

void vfs_pseudo_attr(struct vfs *v, uint32_t node, struct fuse_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->ino = node + 1;
	a->mode = PSEUDO_MODE;
	a->nlink = nlink(v, node);
	a->uid = v->uid;
	a->gid = v->gid;
	a->atime = a->mtime = a->ctime = (uint64_t)v->born.tv_sec;
	a->atimensec = a->mtimensec = a->ctimensec = (uint32_t)v->born.tv_nsec;
	a->blksize = 4096;
}

int vfs_pseudo_getattr(struct vfs *v, uint32_t node, struct fuse_attr_out *out)
{
	memset(out, 0, sizeof(*out));
	out->attr_valid = PSEUDO_TIMEOUT;
	vfs_pseudo_attr(v, node, &out->attr);
	return 0;
}

/* The entry of a backend's root, as the backend's getattr has it. */
static int root_entry(struct vfs *v, const struct fbr_ctx *c,
		      struct vfs_backend *b, struct fuse_entry_out *e)
{
	struct fuse_getattr_in in = { 0 };
	struct fuse_attr_out out = { 0 };
	int err;

	if (!b->drv.ops->getattr)
		return -ENOSYS;
	err = b->drv.ops->getattr(b->drv.fs, c, FUSE_ROOT_ID, &in, &out);
	if (err)
		return err;
	*e = (struct fuse_entry_out){
		.nodeid = vfs_id(b->idx, FUSE_ROOT_ID),
		.entry_valid = PSEUDO_TIMEOUT,
		.attr_valid = out.attr_valid,
		.attr_valid_nsec = out.attr_valid_nsec,
		.attr = out.attr,
	};
	vfs_map_attr(v, b, &e->attr);
	return 0;
}

int vfs_pseudo_entry(struct vfs *v, const struct fbr_ctx *c, uint32_t node,
		     struct fuse_entry_out *e)
{
	int backend = v->tree.nodes[node].backend;

	if (backend >= 0)
		return root_entry(v, c, &v->backends[backend], e);
	memset(e, 0, sizeof(*e));
	e->nodeid = node + 1;
	e->entry_valid = e->attr_valid = PSEUDO_TIMEOUT;
	vfs_pseudo_attr(v, node, &e->attr);
	return 0;
}

int vfs_pseudo_lookup(struct vfs *v, const struct fbr_ctx *c, uint32_t dir,
		      const char *name, struct fuse_entry_out *e)
{
	int node;

	if (!strcmp(name, "."))
		node = (int)dir;
	else if (!strcmp(name, ".."))
		node = (int)v->tree.nodes[dir].parent;
	else
		node = vfs_tree_child(&v->tree, dir, name);
	if (node < 0)
		return -ENOENT;
	return vfs_pseudo_entry(v, c, (uint32_t)node, e);
}

int vfs_pseudo_statx(struct vfs *v, uint32_t node, struct fuse_statx_out *out)
{
	struct fuse_attr a;
	struct fuse_statx *st = &out->stat;

	vfs_pseudo_attr(v, node, &a);
	memset(out, 0, sizeof(*out));
	out->attr_valid = PSEUDO_TIMEOUT;
	st->mask = STATX_BASIC_STATS;
	st->blksize = a.blksize;
	st->nlink = a.nlink;
	st->uid = a.uid;
	st->gid = a.gid;
	st->mode = (uint16_t)a.mode;
	st->ino = a.ino;
	st->atime.tv_sec = st->ctime.tv_sec = st->mtime.tv_sec = v->born.tv_sec;
	st->atime.tv_nsec = st->ctime.tv_nsec = st->mtime.tv_nsec =
		(uint32_t)v->born.tv_nsec;
	return 0;
}

/* "." and ".." count no lookup: nodeid 0, which the kernel skips. */
static int add_dot(struct vfs *v, uint32_t node, const char *name,
		   uint64_t off, struct fbr_dirbuf *buf)
{
	struct fuse_entry_out e = { 0 };

	if (!buf->plus)
		return fbr_dirbuf_add(buf, name, node + 1, DT_DIR, off);
	vfs_pseudo_attr(v, node, &e.attr);
	return fbr_dirbuf_add_plus(buf, name, &e, off);
}

static int add_child(struct vfs *v, const struct fbr_ctx *c, uint32_t node,
		     uint64_t off, struct fbr_dirbuf *buf)
{
	const char *name = v->tree.nodes[node].name;
	struct fuse_entry_out e;
	int err = vfs_pseudo_entry(v, c, node, &e);

	if (err)
		return err;
	/* A backend root's lookup needs no giving back: roots are kept. */
	if (buf->plus)
		return fbr_dirbuf_add_plus(buf, name, &e, off);
	return fbr_dirbuf_add(buf, name, e.attr.ino, DT_DIR, off);
}

/* Offsets: "." 1, ".." 2, node i i + 2; the tree never changes. */
static int add_at(struct vfs *v, const struct fbr_ctx *c, uint32_t dir,
		  uint64_t off, struct fbr_dirbuf *buf)
{
	if (off == 1)
		return add_dot(v, dir, ".", off, buf);
	if (off == 2)
		return add_dot(v, v->tree.nodes[dir].parent, "..", off, buf);
	if (v->tree.nodes[off - 2].parent != dir)
		return 0;
	return add_child(v, c, (uint32_t)(off - 2), off, buf);
}

int vfs_pseudo_readdir(struct vfs *v, const struct fbr_ctx *c, uint32_t dir,
		       const struct fuse_read_in *in, struct fbr_dirbuf *buf)
{
	uint64_t end = (uint64_t)v->tree.n + 2;

	if (in->offset >= end - 1)
		return 0;
	for (uint64_t off = in->offset + 1; off < end; off++) {
		int err = add_at(v, c, dir, off, buf);

		if (err)
			return err == -ENOSPC || buf->used ? 0 : err;
	}
	return 0;
}

int vfs_pseudo_statfs(struct vfs *v, struct fuse_kstatfs *out)
{
	memset(out, 0, sizeof(*out));
	out->files = v->tree.n;
	out->bsize = out->frsize = 4096;
	out->namelen = 255;
	return 0;
}

int vfs_pseudo_access(uint32_t mask)
{
	return mask & W_OK ? -EROFS : 0;
}
