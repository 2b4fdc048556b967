/*
 * Names: LOOKUP and FORGET, and the operations that add, remove or move
 * directory entries.  Each works on one path component relative to the
 * parent's O_PATH fd with an *at() call that follows no symlink, and a
 * name with a '/' in it, or "." or ".." where no lookup is meant, is
 * refused: nothing the kernel sends can reach outside the source.  ".." of
 * the root is the root.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drivers/passthrough/pt.h"

bool pt_is_dot(const char *name)
{
	return name[0] == '.' &&
	       (name[1] == '\0' || (name[1] == '.' && name[2] == '\0'));
}

/* A single component that names an entry, not the directory or its parent. */
bool pt_name_ok(const char *name)
{
	return name[0] && !strchr(name, '/') && !pt_is_dot(name);
}

/*
 * The inode an O_PATH fd (taken over) names, as one more lookup; with inp,
 * also the inode itself, referenced.
 */
int pt_entry_from_fd(struct pt_fs *fs, int fd, struct fuse_entry_out *e,
		     struct pt_inode **inp)
{
	struct pt_inode *in;
	struct statx st;
	int err = pt_statx(fd, 0, 0, &st);

	if (err) {
		close(fd);
		return err;
	}
	in = pt_inode_add(fs, fd, &st);
	if (!in)
		return -ENOMEM;
	pt_fill_entry(fs, in, &st, e);
	if (inp)
		*inp = in;
	else
		pt_inode_put(in);
	return 0;
}

/*
 * A name whose inode the table has already needs no fd of its own: one
 * statx answers.  Anything else (a new inode, an error to report) goes
 * the long way, through an O_PATH fd, so that the inode added is the one
 * opened whatever happened to the name in between.
 */
int pt_lookup_at(struct pt_fs *fs, struct pt_inode *dir, const char *name,
		 struct fuse_entry_out *e)
{
	struct pt_inode *in;
	struct statx st;
	int fd, err;

	if (!name[0] || strchr(name, '/'))
		return -EINVAL;
	if (dir == fs->root && strcmp(name, "..") == 0)
		name = ".";
	err = pt_statx_at(pt_inode_fd(dir), name, &st);
	if (err == -ENOENT)
		return err;
	if (!err && (in = pt_inode_known(fs, &st))) {
		pt_fill_entry(fs, in, &st, e);
		pt_inode_put(in);
		return 0;
	}
	fd = openat(pt_inode_fd(dir), name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && pt_fds_reclaim(fs, errno)) /* EMFILE: cached fds back */
		fd = openat(pt_inode_fd(dir), name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	return pt_entry_from_fd(fs, fd, e, NULL);
}

int pt_lookup(void *fs_, const struct fbr_ctx *c, uint64_t parent,
	      const char *name, struct fuse_entry_out *out)
{
	struct pt_inode *dir = pt_inode_get(fs_, parent);
	int err;

	if (!dir)
		return -errno;
	err = pt_lookup_at(fs_, dir, name, out);
	pt_inode_put(dir);
	return err == -ENOENT ? pt_negative_entry(fs_, out) : err;
}

/*
 * A name that does not exist, as nodeid 0 with the entry timeout: the
 * kernel keeps the negative dentry that long, so creating a new file
 * costs one round trip less.  With no timeout it is plain ENOENT.
 */
int pt_negative_entry(struct pt_fs *fs, struct fuse_entry_out *e)
{
	if (!fs->entry_to.sec && !fs->entry_to.nsec)
		return -ENOENT;
	memset(e, 0, sizeof(*e));
	e->entry_valid = fs->entry_to.sec;
	e->entry_valid_nsec = fs->entry_to.nsec;
	return 0;
}

void pt_forget(void *fs_, uint64_t ino, uint64_t nlookup)
{
	pt_inode_forget(fs_, ino, nlookup);
}

int pt_readlink(void *fs_, const struct fbr_ctx *c, uint64_t ino, char *buf,
		size_t size)
{
	struct pt_inode *in = pt_inode_get(fs_, ino);
	ssize_t n;

	if (!in)
		return -errno;
	n = readlinkat(pt_inode_fd(in), "", buf, size);
	pt_inode_put(in);
	if (n < 0) /* "" names no link when the inode is none */
		return errno == ENOENT ? -EINVAL : -errno;
	return (size_t)n >= size ? -ENAMETOOLONG : (int)n;
}

/*
 * The common part of MKNOD, MKDIR and SYMLINK: check, make the entry with
 * mk() in the parent, as the caller so it is the caller's, then look it up.
 */
struct mkargs {
	mode_t mode;
	dev_t rdev;
	const char *target;
};

static int mk(int dfd, const char *name, const struct mkargs *a)
{
	int err;

	if (a->target)
		err = symlinkat(a->target, dfd, name);
	else if (S_ISDIR(a->mode))
		err = mkdirat(dfd, name, a->mode & 07777);
	else
		err = mknodat(dfd, name, a->mode, a->rdev);
	return err < 0 ? -errno : 0;
}

static int make_entry(struct pt_fs *fs, const struct fbr_ctx *c,
		      uint64_t parent, const char *name,
		      const struct mkargs *a, struct fuse_entry_out *e)
{
	struct pt_creds saved;
	struct pt_inode *dir;
	int dfd, err;

	PT_WRITABLE(fs);
	if (!pt_name_ok(name))
		return -EINVAL;
	dir = pt_inode_get(fs, parent);
	if (!dir)
		return -errno;
	dfd = pt_inode_fd(dir);
	err = pt_creds_enter(fs, c, &saved);
	if (!err) {
		err = mk(dfd, name, a);
		pt_creds_leave(fs, &saved);
	}
	if (!err)
		err = pt_lookup_at(fs, dir, name, e);
	pt_inode_put(dir);
	return err;
}

int pt_symlink(void *fs, const struct fbr_ctx *c, uint64_t parent,
	       const char *name, const char *target, struct fuse_entry_out *out)
{
	struct mkargs a = { .mode = S_IFLNK, .target = target };

	return make_entry(fs, c, parent, name, &a, out);
}

int pt_mknod(void *fs, const struct fbr_ctx *c, uint64_t parent,
	     const char *name, const struct fuse_mknod_in *in,
	     struct fuse_entry_out *out)
{
	struct mkargs a = { .mode = in->mode, .rdev = in->rdev };

	if (S_ISDIR(in->mode))
		return -EINVAL;
	return make_entry(fs, c, parent, name, &a, out);
}

int pt_mkdir(void *fs, const struct fbr_ctx *c, uint64_t parent,
	     const char *name, const struct fuse_mkdir_in *in,
	     struct fuse_entry_out *out)
{
	struct mkargs a = { .mode = S_IFDIR | (in->mode & 07777) };

	return make_entry(fs, c, parent, name, &a, out);
}

static int remove_entry(struct pt_fs *fs, uint64_t parent, const char *name,
			int flags)
{
	struct pt_inode *dir;
	int err = 0;

	PT_WRITABLE(fs);
	if (!pt_name_ok(name))
		return -EINVAL;
	dir = pt_inode_get(fs, parent);
	if (!dir)
		return -errno;
	if (unlinkat(pt_inode_fd(dir), name, flags) < 0)
		err = -errno;
	pt_inode_put(dir);
	return err;
}

int pt_unlink(void *fs, const struct fbr_ctx *c, uint64_t parent,
	      const char *name)
{
	return remove_entry(fs, parent, name, 0);
}

int pt_rmdir(void *fs, const struct fbr_ctx *c, uint64_t parent,
	     const char *name)
{
	return remove_entry(fs, parent, name, AT_REMOVEDIR);
}

int pt_rename(void *fs_, const struct fbr_ctx *c, uint64_t olddir,
	      const char *oldname, uint64_t newdir, const char *newname,
	      uint32_t flags)
{
	struct pt_fs *fs = fs_;
	struct pt_inode *od, *nd;
	int err = 0;

	PT_WRITABLE(fs);
	if (!pt_name_ok(oldname) || !pt_name_ok(newname))
		return -EINVAL;
	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
		return -EINVAL;
	od = pt_inode_get(fs, olddir);
	nd = od ? pt_inode_get(fs, newdir) : NULL;
	if (!nd)
		err = -errno;
	else if (renameat2(pt_inode_fd(od), oldname, pt_inode_fd(nd), newname,
			   flags) < 0)
		err = -errno;
	pt_inode_put(nd);
	pt_inode_put(od);
	return err;
}

/*
 * A hard link to the inode itself, through its /proc/self/fd entry.  Made
 * as the server: a link makes no inode to own, and the kernel has already
 * checked the caller may link (protected_hardlinks included).
 */
int pt_link(void *fs_, const struct fbr_ctx *c, uint64_t ino,
	    uint64_t newparent, const char *newname, struct fuse_entry_out *out)
{
	struct pt_fs *fs = fs_;
	struct pt_inode *in, *dir;
	char name[PT_FDNAME_MAX];
	int err;

	PT_WRITABLE(fs);
	if (!pt_name_ok(newname))
		return -EINVAL;
	in = pt_inode_get(fs, ino);
	dir = in ? pt_inode_get(fs, newparent) : NULL;
	if (!dir) {
		err = -errno;
		goto out_put;
	}
	pt_fdname(pt_inode_fd(in), name);
	if (linkat(fs->procfd, name, pt_inode_fd(dir), newname,
		   AT_SYMLINK_FOLLOW) < 0)
		err = -errno;
	else
		err = pt_lookup_at(fs, dir, newname, out);
out_put:
	pt_inode_put(dir);
	pt_inode_put(in);
	return err;
}
