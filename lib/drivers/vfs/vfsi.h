/*
 * Inside the vfs driver: the pseudo tree (tree.c), the numbering that
 * keeps nodeids and inode numbers unique across backends (ids.c), the
 * pseudo directories' operations (pseudo.c), and the forwarding ones
 * (names.c, files.c).  Private to lib/drivers/vfs.
 */
#ifndef FBR_DRIVERS_VFSI_H
#define FBR_DRIVERS_VFSI_H

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "drivers/vfs/vfs.h"

/*
 * Nodeids: backend index (1 up, 0 the pseudo tree) in the top 8 bits,
 * the backend's own nodeid below.  Inode numbers: the same for a
 * backend's st_ino below 2^56; a larger one gets a number of its own,
 * for good, with bit 7 of the index set (so FBR_VFS_MAX is 127).
 */
#define VFS_SHIFT 56
#define VFS_LOW ((1ULL << VFS_SHIFT) - 1)
#define VFS_BIG 0x80u

static inline uint64_t vfs_id(unsigned idx, uint64_t low)
{
	return low ? (uint64_t)idx << VFS_SHIFT | low : 0;
}

static inline unsigned vfs_idx(uint64_t id)
{
	return (unsigned)(id >> VFS_SHIFT);
}

static inline uint64_t vfs_low(uint64_t id)
{
	return id & VFS_LOW;
}

struct vfs_bigino;

struct vfs_inomap {
	pthread_mutex_t lock;
	struct vfs_bigino *buckets[64];
	uint64_t next;
};

void vfs_inomap_init(struct vfs_inomap *m);
void vfs_inomap_fini(struct vfs_inomap *m);
/* The inode number the kernel sees for backend idx's st_ino; 0 stays 0. */
uint64_t vfs_ino(struct vfs_inomap *m, unsigned idx, uint64_t st_ino);

/*
 * The pseudo tree: node i is inode i + 1, so node 0 is the root
 * (FUSE_ROOT_ID).  A node is a pseudo directory, or the place of a
 * backend (backend >= 0), which the kernel never sees: a lookup there
 * answers the backend's root.
 */
struct vfs_node {
	char *name;
	uint32_t parent;           /* the root's is itself */
	int backend;               /* index in vfs.backends, or -1 */
};

struct vfs_tree {
	struct vfs_node *nodes;
	uint32_t n, cap;
};

int vfs_tree_init(struct vfs_tree *t);
void vfs_tree_fini(struct vfs_tree *t);
/* As fbr_vfs_add() says. */
int vfs_tree_add(struct vfs_tree *t, const char *path, int backend);
/* The child of dir called name, or -1. */
int vfs_tree_child(const struct vfs_tree *t, uint32_t dir, const char *name);
/* The node inode ino names, or -1. */
int vfs_tree_node(const struct vfs_tree *t, uint64_t ino);

struct vfs_backend {
	struct fbr_driver drv;
	unsigned idx;              /* in nodeids: its index + 1 */
	uint32_t node;             /* where it is mounted */
	uint64_t want;             /* what its init() asked for */
	bool live;                 /* init() done, destroy() due */
};

struct vfs {
	struct vfs_tree tree;
	struct vfs_backend backends[FBR_VFS_MAX];
	unsigned n;
	struct vfs_inomap inos;
	uint32_t uid, gid;         /* the pseudo directories' owner */
	struct timespec born;      /* and their times */
};

/*
 * The backend that owns nodeid, and its own nodeid in *own; NULL for the
 * pseudo tree, with *node its node, or with *node -1 for a nodeid that
 * names nothing.
 */
struct vfs_backend *vfs_route(struct vfs *v, uint64_t nodeid, uint64_t *own,
			      int *node);
/* A backend's reply made ours; err passes through. */
void vfs_map_attr(struct vfs *v, const struct vfs_backend *b,
		  struct fuse_attr *a);
int vfs_map_entry(struct vfs *v, const struct vfs_backend *b, int err,
		  struct fuse_entry_out *e);

/* c as backend b gets it: its notifications name our nodeids. */
static inline const struct fbr_ctx *vfs_ctx(const struct vfs_backend *b,
					    const struct fbr_ctx *c,
					    struct fbr_ctx *tmp)
{
	*tmp = *c;
	tmp->nodeid_high = (uint64_t)b->idx << VFS_SHIFT;
	return tmp;
}

/* Call backend b's op, or answer ENOSYS as the dispatcher would. */
#define VFS_CALL(b, op, c, ...) \
	((b)->drv.ops->op ? (b)->drv.ops->op((b)->drv.fs, \
		vfs_ctx((b), (c), &(struct fbr_ctx){ 0 }), __VA_ARGS__) : -ENOSYS)

/* pseudo.c: the pseudo tree's side of each operation. */
void vfs_pseudo_attr(struct vfs *v, uint32_t node, struct fuse_attr *a);
int vfs_pseudo_getattr(struct vfs *v, uint32_t node,
		       struct fuse_attr_out *out);
int vfs_pseudo_entry(struct vfs *v, const struct fbr_ctx *c, uint32_t node,
		     struct fuse_entry_out *e);
int vfs_pseudo_lookup(struct vfs *v, const struct fbr_ctx *c, uint32_t dir,
		      const char *name, struct fuse_entry_out *e);
int vfs_pseudo_statx(struct vfs *v, uint32_t node,
		     struct fuse_statx_out *out);
int vfs_pseudo_readdir(struct vfs *v, const struct fbr_ctx *c, uint32_t dir,
		       const struct fuse_read_in *in, struct fbr_dirbuf *buf);
int vfs_pseudo_statfs(struct vfs *v, struct fuse_kstatfs *out);
int vfs_pseudo_access(uint32_t mask);

/* names.c and files.c: the operations, forwarded or answered. */
int vfs_lookup(void *fs, const struct fbr_ctx *c, uint64_t parent,
	       const char *name, struct fuse_entry_out *out);
void vfs_forget(void *fs, uint64_t ino, uint64_t nlookup);
int vfs_getattr(void *fs, const struct fbr_ctx *c, uint64_t ino,
		const struct fuse_getattr_in *in, struct fuse_attr_out *out);
int vfs_setattr(void *fs, const struct fbr_ctx *c, uint64_t ino,
		const struct fuse_setattr_in *in, struct fuse_attr_out *out);
int vfs_statx(void *fs, const struct fbr_ctx *c, uint64_t ino,
	      const struct fuse_statx_in *in, struct fuse_statx_out *out);
int vfs_readlink(void *fs, const struct fbr_ctx *c, uint64_t ino, char *buf,
		 size_t size);
int vfs_symlink(void *fs, const struct fbr_ctx *c, uint64_t parent,
		const char *name, const char *target,
		struct fuse_entry_out *out);
int vfs_mknod(void *fs, const struct fbr_ctx *c, uint64_t parent,
	      const char *name, const struct fuse_mknod_in *in,
	      struct fuse_entry_out *out);
int vfs_mkdir(void *fs, const struct fbr_ctx *c, uint64_t parent,
	      const char *name, const struct fuse_mkdir_in *in,
	      struct fuse_entry_out *out);
int vfs_unlink(void *fs, const struct fbr_ctx *c, uint64_t parent,
	       const char *name);
int vfs_rmdir(void *fs, const struct fbr_ctx *c, uint64_t parent,
	      const char *name);
int vfs_rename(void *fs, const struct fbr_ctx *c, uint64_t olddir,
	       const char *oldname, uint64_t newdir, const char *newname,
	       uint32_t flags);
int vfs_link(void *fs, const struct fbr_ctx *c, uint64_t ino,
	     uint64_t newparent, const char *newname,
	     struct fuse_entry_out *out);
int vfs_statfs(void *fs, const struct fbr_ctx *c, uint64_t ino,
	       struct fuse_kstatfs *out);
int vfs_access(void *fs, const struct fbr_ctx *c, uint64_t ino,
	       uint32_t mask);
int vfs_setxattr(void *fs, const struct fbr_ctx *c, uint64_t ino,
		 const struct fuse_setxattr_in *in, const char *name,
		 const void *value);
int vfs_getxattr(void *fs, const struct fbr_ctx *c, uint64_t ino,
		 const char *name, void *buf, size_t size);
int vfs_listxattr(void *fs, const struct fbr_ctx *c, uint64_t ino,
		  char *buf, size_t size);
int vfs_removexattr(void *fs, const struct fbr_ctx *c, uint64_t ino,
		    const char *name);
int vfs_syncfs(void *fs, const struct fbr_ctx *c, uint64_t ino);

int vfs_open(void *fs, const struct fbr_ctx *c, uint64_t ino,
	     const struct fuse_open_in *in, struct fuse_open_out *out);
int vfs_create(void *fs, const struct fbr_ctx *c, uint64_t parent,
	       const char *name, const struct fuse_create_in *in,
	       struct fuse_entry_out *entry, struct fuse_open_out *open);
int vfs_tmpfile(void *fs, const struct fbr_ctx *c, uint64_t parent,
		const char *name, const struct fuse_create_in *in,
		struct fuse_entry_out *entry, struct fuse_open_out *open);
int vfs_read(void *fs, const struct fbr_ctx *c, uint64_t ino,
	     const struct fuse_read_in *in, const struct iovec *dst,
	     int dstcnt);
int vfs_write(void *fs, const struct fbr_ctx *c, uint64_t ino,
	      const struct fuse_write_in *in, const struct iovec *src,
	      int srccnt);
int vfs_flush(void *fs, const struct fbr_ctx *c, uint64_t ino,
	      const struct fuse_flush_in *in);
int vfs_release(void *fs, const struct fbr_ctx *c, uint64_t ino,
		const struct fuse_release_in *in);
int vfs_fsync(void *fs, const struct fbr_ctx *c, uint64_t ino,
	      const struct fuse_fsync_in *in);
int vfs_fallocate(void *fs, const struct fbr_ctx *c, uint64_t ino,
		  const struct fuse_fallocate_in *in);
int vfs_lseek(void *fs, const struct fbr_ctx *c, uint64_t ino,
	      const struct fuse_lseek_in *in, struct fuse_lseek_out *out);
int vfs_copy_file_range(void *fs, const struct fbr_ctx *c, uint64_t ino,
			const struct fuse_copy_file_range_in *in,
			uint64_t *copied);
int vfs_ioctl(void *fs, const struct fbr_ctx *c, uint64_t ino,
	      const struct fuse_ioctl_in *in, const void *in_data,
	      void *out_data, int32_t *result);
int vfs_opendir(void *fs, const struct fbr_ctx *c, uint64_t ino,
		const struct fuse_open_in *in, struct fuse_open_out *out);
int vfs_readdir(void *fs, const struct fbr_ctx *c, uint64_t ino,
		const struct fuse_read_in *in, struct fbr_dirbuf *buf);
int vfs_readdirplus(void *fs, const struct fbr_ctx *c, uint64_t ino,
		    const struct fuse_read_in *in, struct fbr_dirbuf *buf);
int vfs_releasedir(void *fs, const struct fbr_ctx *c, uint64_t ino,
		   const struct fuse_release_in *in);
int vfs_fsyncdir(void *fs, const struct fbr_ctx *c, uint64_t ino,
		 const struct fuse_fsync_in *in);
int vfs_getlk(void *fs, const struct fbr_ctx *c, uint64_t ino,
	      const struct fuse_lk_in *in, struct fuse_lk_out *out);
int vfs_setlk(void *fs, const struct fbr_ctx *c, uint64_t ino,
	      const struct fuse_lk_in *in, bool sleep);

#endif
