/*
 * Extended attributes, served only when the mount asks for them: without
 * opts.xattr every call answers ENOSYS, which the kernel remembers, so it
 * stops asking and tells applications EOPNOTSUPP.  The *xattr(2) calls
 * need a path or a real fd, and an O_PATH fd is neither: they go through
 * /proc/self/fd/N, which names the inode itself, never a symlink's target.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/xattr.h>

#include "drivers/passthrough/pt.h"

#define PROC_PATH_MAX 32

/* The inode ino names, and the /proc path to it. */
static struct pt_inode *xattr_inode(struct pt_fs *fs, uint64_t ino,
				    char path[PROC_PATH_MAX])
{
	struct pt_inode *in = pt_inode_get(fs, ino);

	if (in)
		snprintf(path, PROC_PATH_MAX, "/proc/self/fd/%d", pt_inode_fd(in));
	return in;
}

int pt_setxattr(void *fs_, const struct fbr_ctx *c, uint64_t ino,
		const struct fuse_setxattr_in *in, const char *name,
		const void *value)
{
	struct pt_fs *fs = fs_;
	char path[PROC_PATH_MAX];
	struct pt_inode *inode;
	int err = 0;

	if (!fs->opts.xattr)
		return -ENOSYS;
	PT_WRITABLE(fs);
	inode = xattr_inode(fs, ino, path);
	if (!inode)
		return -ESTALE;
	if (setxattr(path, name, value, in->size, (int)in->flags) < 0)
		err = -errno;
	pt_inode_put(inode);
	return err;
}

int pt_getxattr(void *fs_, const struct fbr_ctx *c, uint64_t ino,
		const char *name, void *buf, size_t size)
{
	struct pt_fs *fs = fs_;
	char path[PROC_PATH_MAX];
	struct pt_inode *inode;
	ssize_t n;

	if (!fs->opts.xattr)
		return -ENOSYS;
	inode = xattr_inode(fs, ino, path);
	if (!inode)
		return -ESTALE;
	n = getxattr(path, name, buf, size);
	if (n < 0)
		n = -errno;
	pt_inode_put(inode);
	return (int)n;
}

int pt_listxattr(void *fs_, const struct fbr_ctx *c, uint64_t ino, char *buf,
		 size_t size)
{
	struct pt_fs *fs = fs_;
	char path[PROC_PATH_MAX];
	struct pt_inode *inode;
	ssize_t n;

	if (!fs->opts.xattr)
		return -ENOSYS;
	inode = xattr_inode(fs, ino, path);
	if (!inode)
		return -ESTALE;
	n = listxattr(path, buf, size);
	if (n < 0)
		n = -errno;
	pt_inode_put(inode);
	return (int)n;
}

int pt_removexattr(void *fs_, const struct fbr_ctx *c, uint64_t ino,
		   const char *name)
{
	struct pt_fs *fs = fs_;
	char path[PROC_PATH_MAX];
	struct pt_inode *inode;
	int err = 0;

	if (!fs->opts.xattr)
		return -ENOSYS;
	PT_WRITABLE(fs);
	inode = xattr_inode(fs, ino, path);
	if (!inode)
		return -ESTALE;
	if (removexattr(path, name) < 0)
		err = -errno;
	pt_inode_put(inode);
	return err;
}
