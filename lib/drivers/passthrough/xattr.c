/*
 * Extended attributes, served only when the mount asks for them: without
 * opts.xattr every call answers ENOSYS, which the kernel remembers, so it
 * stops asking and tells applications EOPNOTSUPP.  The *xattr(2) calls
 * need a path or a real fd, and an O_PATH fd is neither: they go through
 * the fd's entry in /proc/self/fd, which names the inode itself, never a
 * symlink's target.
 *
 * That entry is reached relative to procfd, like every other /proc use
 * here, never as "/proc/self/fd/N": a server confined to the shared
 * directory (fbr-virtiofsd's sandbox) would look "/proc" up there, where
 * the guest decides what it names.  A path relative to a directory needs
 * that directory as the working directory, which threads share; so each
 * thread that serves extended attributes takes a working directory of its
 * own (unshare CLONE_FS) and keeps it in procfd.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "drivers/passthrough/pt.h"

#define PROC_PATH_MAX 16

/* The procfd this thread's working directory is in, or -1. */
static __thread int thread_cwd = -1;

static int enter_procfd(struct pt_fs *fs)
{
	if (thread_cwd == fs->procfd)
		return 0;
	if (thread_cwd < 0 && unshare(CLONE_FS) < 0)
		return -errno;
	if (fchdir(fs->procfd) < 0)
		return -errno;
	thread_cwd = fs->procfd;
	return 0;
}

/* The inode ino names, and the path to it from procfd; NULL with *err. */
static struct pt_inode *xattr_inode(struct pt_fs *fs, uint64_t ino,
				    char path[PROC_PATH_MAX], int *err)
{
	struct pt_inode *in;

	*err = enter_procfd(fs);
	if (*err)
		return NULL;
	in = pt_inode_get(fs, ino);
	if (in)
		snprintf(path, PROC_PATH_MAX, "%d", pt_inode_fd(in));
	else
		*err = -errno;
	return in;
}

/*
 * An access ACL's mask is the file's group bits: setting or removing one
 * changes the mode.  The kernel, not told it handles ACLs
 * (FUSE_POSIX_ACL), refreshes only ctime after SETXATTR and REMOVEXATTR.
 */
static void acl_changed(const struct fbr_ctx *c, uint64_t ino,
			const char *name)
{
	if (!strcmp(name, "system.posix_acl_access"))
		pt_attrs_changed(c, ino);
}

int pt_setxattr(void *fs_, const struct fbr_ctx *c, uint64_t ino,
		const struct fuse_setxattr_in *in, const char *name,
		const void *value)
{
	struct pt_fs *fs = fs_;
	char path[PROC_PATH_MAX];
	struct pt_inode *inode;
	int xerr;
	int err = 0;

	if (!fs->opts.xattr)
		return -ENOSYS;
	PT_WRITABLE(fs);
	inode = xattr_inode(fs, ino, path, &xerr);
	if (!inode)
		return xerr;
	if (setxattr(path, name, value, in->size, (int)in->flags) < 0)
		err = -errno;
	else
		acl_changed(c, ino, name);
	pt_inode_put(inode);
	return err;
}

int pt_getxattr(void *fs_, const struct fbr_ctx *c, uint64_t ino,
		const char *name, void *buf, size_t size)
{
	struct pt_fs *fs = fs_;
	char path[PROC_PATH_MAX];
	struct pt_inode *inode;
	int xerr;
	ssize_t n;

	if (!fs->opts.xattr)
		return -ENOSYS;
	inode = xattr_inode(fs, ino, path, &xerr);
	if (!inode)
		return xerr;
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
	int xerr;
	ssize_t n;

	if (!fs->opts.xattr)
		return -ENOSYS;
	inode = xattr_inode(fs, ino, path, &xerr);
	if (!inode)
		return xerr;
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
	int xerr;
	int err = 0;

	if (!fs->opts.xattr)
		return -ENOSYS;
	PT_WRITABLE(fs);
	inode = xattr_inode(fs, ino, path, &xerr);
	if (!inode)
		return xerr;
	if (removexattr(path, name) < 0)
		err = -errno;
	else
		acl_changed(c, ino, name);
	pt_inode_put(inode);
	return err;
}
