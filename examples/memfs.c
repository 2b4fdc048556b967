/*
 * memfs: files and directories in memory.  Simple rather than fast: a node
 * is a slot of one table (its index the nodeid) holding its name and its
 * parent's nodeid, so lookups and listings scan the table.  A node lives
 * while it has a name or the kernel holds references to it (one for each
 * entry returned, given back by FORGET).  Each operation holds the one lock.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <fbr/driver.h>

#include "serve.h"

#define MAX_NODES 65536
#define MAX_SIZE (1u << 30)         /* of a file */
#define FIRST (FUSE_ROOT_ID + 1)    /* the first slot for a new node */

struct node {
	struct fuse_attr attr;      /* attr.ino is the nodeid */
	uint64_t parent;            /* 0 once unlinked */
	char name[NAME_MAX + 1];
	char *data;                 /* a file's attr.size bytes */
	uint64_t nlookup;           /* references the kernel holds */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct node root = { .attr = { .ino = FUSE_ROOT_ID, .nlink = 2,
	.mode = S_IFDIR | 0755 }, .parent = FUSE_ROOT_ID };
static struct node *nodes[MAX_NODES] = { [FUSE_ROOT_ID] = &root };
static uint64_t top = FIRST;        /* no slot from here on is in use */

/* LOCKED; holds the lock until the function returns, whichever way. */
static void unlock(pthread_mutex_t **m)
{
	pthread_mutex_unlock(*m);
}
#define LOCKED \
	pthread_mutex_t *held __attribute__((cleanup(unlock))) = &lock; \
	pthread_mutex_lock(held)

/* Stamp ctime, and mtime too when the content changed. */
static void touch(struct fuse_attr *a, bool modified)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	a->ctime = (uint64_t)t.tv_sec, a->ctimensec = (uint32_t)t.tv_nsec;
	if (modified)
		a->mtime = a->ctime, a->mtimensec = a->ctimensec;
}

/* Node ino, if it is one of type (S_IFDIR), or of any type (0). */
static struct node *get(uint64_t ino, uint32_t type)
{
	struct node *n = ino < top ? nodes[ino] : NULL;

	return n && (!type || (n->attr.mode & S_IFMT) == type) ? n : NULL;
}

/* The entry name in directory parent; with name NULL, any entry. */
static struct node *child(uint64_t parent, const char *name)
{
	for (uint64_t i = FIRST; get(parent, S_IFDIR) && i < top; i++)
		if (nodes[i] && nodes[i]->parent == parent &&
		    (!name || !strcmp(nodes[i]->name, name)))
			return nodes[i];
	return NULL;
}

/* An entry returned to the kernel: one more reference. */
static int entry(struct node *n, struct fuse_entry_out *out)
{
	if (!n)
		return -ENOENT;
	n->nlookup++;
	out->nodeid = n->attr.ino;
	out->entry_valid = out->attr_valid = 1;
	out->attr = n->attr;
	return 0;
}

/* The attributes of n, if there is one. */
static int attr(struct node *n, struct fuse_attr_out *out)
{
	if (!n)
		return -ENOENT;
	out->attr = n->attr;
	out->attr_valid = 1;
	return 0;
}

/* Unlink n, if not a directory with entries; free it once forgotten. */
static int put(struct node *n, bool unlink)
{
	if (unlink && child(n->attr.ino, NULL))
		return -ENOTEMPTY;
	if (unlink) {
		touch(&nodes[n->parent]->attr, true);
		n->parent = n->attr.nlink = 0;
	}
	if (!n->parent && !n->nlookup) {
		nodes[n->attr.ino] = NULL;
		free(n->data);
		free(n);
	}
	return 0;
}

static int mem_lookup(void *fs, const struct fbr_ctx *c, uint64_t parent,
		      const char *name, struct fuse_entry_out *out)
{
	LOCKED;
	return entry(child(parent, name), out);
}

/* The root is never freed: its parent is itself. */
static void mem_forget(void *fs, uint64_t ino, uint64_t nlookup)
{
	LOCKED;
	struct node *n = get(ino, 0);

	if (n) {
		n->nlookup -= nlookup < n->nlookup ? nlookup : n->nlookup;
		put(n, false);
	}
}

static int mem_getattr(void *fs, const struct fbr_ctx *c, uint64_t ino,
		       const struct fuse_getattr_in *in,
		       struct fuse_attr_out *out)
{
	LOCKED;
	return attr(get(ino, 0), out);
}

/* A new size: cut, or grow with zeros. */
static int resize(struct node *n, uint64_t size)
{
	char *p = size > MAX_SIZE ? NULL : realloc(n->data, size ? size : 1);

	if (!p)
		return size > MAX_SIZE ? -EFBIG : -ENOMEM;
	if (size > n->attr.size)
		memset(p + n->attr.size, 0, size - n->attr.size);
	n->data = p;
	n->attr.size = size;
	n->attr.blocks = (size + 511) / 512;
	return 0;
}

/* Times come filled in, "now" too (FATTR_*TIME_NOW only say so). */
static int mem_setattr(void *fs, const struct fbr_ctx *c, uint64_t ino,
		       const struct fuse_setattr_in *in,
		       struct fuse_attr_out *out)
{
	LOCKED;
	struct node *n = get(ino, 0);
	int err = !n ? -ENOENT :
		  in->valid & FATTR_SIZE ? resize(n, in->size) : 0;

	if (err)
		return err;
	touch(&n->attr, in->valid & FATTR_SIZE);
	if (in->valid & FATTR_MODE)
		n->attr.mode = (n->attr.mode & S_IFMT) | (in->mode & 07777);
	if (in->valid & FATTR_ATIME)
		n->attr.atime = in->atime, n->attr.atimensec = in->atimensec;
	if (in->valid & FATTR_MTIME)
		n->attr.mtime = in->mtime, n->attr.mtimensec = in->mtimensec;
	return attr(n, out);
}

/* MKDIR and CREATE: a node named name in parent, in the first free slot. */
static int make(const struct fbr_ctx *c, uint64_t parent, const char *name,
		uint32_t mode, struct fuse_entry_out *out)
{
	LOCKED;
	uint64_t i = FIRST;
	struct node *n;

	if (!get(parent, S_IFDIR))
		return -ENOENT;
	if (child(parent, name))
		return -EEXIST;
	if (strlen(name) > NAME_MAX)
		return -ENAMETOOLONG;
	while (i < top && nodes[i])
		i++;
	if (i == MAX_NODES || !(n = calloc(1, sizeof(*n))))
		return -ENOSPC;
	n->attr = (struct fuse_attr){ .ino = i, .mode = mode,
		.nlink = S_ISDIR(mode) ? 2 : 1, .uid = c->uid, .gid = c->gid };
	touch(&n->attr, true);
	n->attr.atime = n->attr.mtime;
	n->parent = parent;
	strcpy(n->name, name);
	nodes[i] = n;
	top = i == top ? top + 1 : top;
	touch(&nodes[parent]->attr, true);
	return entry(n, out);
}

static int mem_mkdir(void *fs, const struct fbr_ctx *c, uint64_t parent,
		     const char *name, const struct fuse_mkdir_in *in,
		     struct fuse_entry_out *out)
{
	return make(c, parent, name, S_IFDIR | (in->mode & 07777), out);
}

static int mem_create(void *fs, const struct fbr_ctx *c, uint64_t parent,
		      const char *name, const struct fuse_create_in *in,
		      struct fuse_entry_out *out, struct fuse_open_out *oo)
{
	return make(c, parent, name, S_IFREG | (in->mode & 07777), out);
}

/* UNLINK and RMDIR: the kernel has checked the type already. */
static int mem_remove(void *fs, const struct fbr_ctx *c, uint64_t parent,
		      const char *name)
{
	LOCKED;
	struct node *n = child(parent, name);

	return n ? put(n, true) : -ENOENT;
}

/* Whatever newname names in newdir is replaced, unless NOREPLACE. */
static int mem_rename(void *fs, const struct fbr_ctx *c, uint64_t olddir,
		      const char *oldname, uint64_t newdir, const char *newname,
		      uint32_t flags)
{
	LOCKED;
	struct node *n = child(olddir, oldname), *old = child(newdir, newname);
	int err;

	if (flags & ~RENAME_NOREPLACE)
		return -EINVAL;
	if (!n || !get(newdir, S_IFDIR))
		return -ENOENT;
	if (old == n)
		return 0;
	if (old && (flags & RENAME_NOREPLACE))
		return -EEXIST;
	if (strlen(newname) > NAME_MAX)
		return -ENAMETOOLONG;
	if (old && (err = put(old, true)))
		return err;
	touch(&nodes[olddir]->attr, true);
	touch(&nodes[newdir]->attr, true);
	touch(&n->attr, false);
	strcpy(n->name, newname);
	n->parent = newdir;
	return 0;
}

static int mem_read(void *fs, const struct fbr_ctx *c, uint64_t ino,
		    const struct fuse_read_in *in, const struct iovec *dst,
		    int dstcnt)
{
	LOCKED;
	struct node *n = get(ino, S_IFREG);
	uint64_t size = n ? n->attr.size : 0;

	if (!n || in->offset >= size)
		return n ? 0 : -ENOENT;
	return (int)fbr_iov_from_buf(dst, dstcnt, n->data + in->offset,
			in->size < size - in->offset ? in->size : size - in->offset);
}

/* in->offset is checked first: in->offset + in->size could wrap. */
static int mem_write(void *fs, const struct fbr_ctx *c, uint64_t ino,
		     const struct fuse_write_in *in, const struct iovec *src,
		     int srccnt)
{
	LOCKED;
	struct node *n = get(ino, S_IFREG);
	uint64_t end = in->offset + in->size;
	int err = !n ? -ENOENT : in->offset > MAX_SIZE ? -EFBIG :
		  end > n->attr.size ? resize(n, end) : 0;

	if (err)
		return err;
	touch(&n->attr, true);
	return (int)fbr_iov_to_buf(n->data + in->offset, src, srccnt, in->size);
}

/* ".", "..", then the children; slot i's entry has offset i + 1. */
static int mem_readdir(void *fs, const struct fbr_ctx *c, uint64_t ino,
		       const struct fuse_read_in *in, struct fbr_dirbuf *buf)
{
	LOCKED;
	struct node *d = get(ino, S_IFDIR);
	int err = 0;

	if (!d)
		return -ENOTDIR;
	if (in->offset < 1)
		err = fbr_dirbuf_add(buf, ".", ino, DT_DIR, 1);
	if (!err && in->offset < 2)
		err = fbr_dirbuf_add(buf, "..", d->parent, DT_DIR, 2);
	for (uint64_t i = in->offset > FIRST ? in->offset : FIRST;
	     !err && i < top; i++)
		if (nodes[i] && nodes[i]->parent == ino)
			err = fbr_dirbuf_add(buf, nodes[i]->name, i,
					IFTODT(nodes[i]->attr.mode), i + 1);
	return err == -ENOSPC ? 0 : err; /* full: the kernel comes back */
}

static const struct fbr_driver_ops memfs_ops = {
	.lookup = mem_lookup,
	.forget = mem_forget,
	.getattr = mem_getattr,
	.setattr = mem_setattr,
	.mkdir = mem_mkdir,
	.create = mem_create,
	.unlink = mem_remove,
	.rmdir = mem_remove,
	.rename = mem_rename,
	.read = mem_read,
	.write = mem_write,
	.readdir = mem_readdir,
};

int main(int argc, char **argv)
{
	struct fbr_driver drv = { .ops = &memfs_ops };

	touch(&root.attr, true);
	return serve_main(argc, argv, "memfs", &drv);
}
