/*
 * Attributes: statx(2) of the host inode turned into the FUSE attr and
 * statx records, SETATTR (owner, mode, size, times) applied on the inode's
 * O_PATH fd (or the open handle the kernel names), STATFS and ACCESS.
 * Every call works on the fd, never on a path, so nothing follows a
 * symlink on the server side; what needs a real path to an O_PATH fd goes
 * through /proc/self/fd/N.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "drivers/passthrough/pt.h"
#include "fbr/session.h"

#define PT_STATX_MASK (STATX_BASIC_STATS | STATX_MNT_ID)
#define FUSE_STATX_MASK (STATX_BASIC_STATS | STATX_BTIME)

int pt_statx(int fd, unsigned mask, int flags, struct statx *st)
{
	if (statx(fd, "", AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | flags,
		  mask | PT_STATX_MASK, st) < 0)
		return -errno;
	return 0;
}

int pt_statx_at(int dirfd, const char *name, struct statx *st)
{
	if (statx(dirfd, name, AT_SYMLINK_NOFOLLOW, PT_STATX_MASK, st) < 0)
		return -errno;
	return 0;
}

void pt_fill_attr(const struct statx *st, uint64_t ino, struct fuse_attr *a)
{
	*a = (struct fuse_attr){
		.ino = ino,
		.size = st->stx_size,
		.blocks = st->stx_blocks,
		.atime = (uint64_t)st->stx_atime.tv_sec,
		.mtime = (uint64_t)st->stx_mtime.tv_sec,
		.ctime = (uint64_t)st->stx_ctime.tv_sec,
		.atimensec = st->stx_atime.tv_nsec,
		.mtimensec = st->stx_mtime.tv_nsec,
		.ctimensec = st->stx_ctime.tv_nsec,
		.mode = st->stx_mode,
		.nlink = st->stx_nlink,
		.uid = st->stx_uid,
		.gid = st->stx_gid,
		.rdev = (uint32_t)makedev(st->stx_rdev_major, st->stx_rdev_minor),
		.blksize = st->stx_blksize,
	};
}

void pt_fill_entry(struct pt_fs *fs, const struct pt_inode *in,
		   const struct statx *st, struct fuse_entry_out *e)
{
	e->nodeid = in->nodeid;
	e->generation = 0;
	e->entry_valid = fs->entry_to.sec;
	e->entry_valid_nsec = fs->entry_to.nsec;
	e->attr_valid = fs->attr_to.sec;
	e->attr_valid_nsec = fs->attr_to.nsec;
	pt_fill_attr(st, in->ino, &e->attr);
}

int pt_chmod(struct pt_fs *fs, int fd, mode_t mode)
{
	char name[PT_FDNAME_MAX];

	pt_fdname(fd, name);
	return fchmodat(fs->procfd, name, mode, 0) < 0 ? -errno : 0;
}

/*
 * Only attributes (offset -1): that takes none of the locks the operation
 * in progress may hold in the kernel.  Where the transport carries no
 * notifications (virtio-fs), or the kernel holds no such inode, there is
 * nothing to do.
 */
void pt_attrs_changed(const struct fbr_ctx *c, uint64_t nodeid)
{
	if (c->req)
		fbr_notify_inval_inode(fbr_req_session(c->req),
				       nodeid | c->nodeid_high, -1, 0);
}

int pt_getattr(void *fs_, const struct fbr_ctx *c, uint64_t ino,
	       const struct fuse_getattr_in *in, struct fuse_attr_out *out)
{
	struct pt_fs *fs = fs_;
	struct pt_inode *inode = pt_inode_get(fs, ino);
	struct statx st;
	int err;

	if (!inode)
		return -errno;
	err = pt_statx(pt_inode_fd(inode), 0, 0, &st);
	if (!err) {
		out->attr_valid = fs->attr_to.sec;
		out->attr_valid_nsec = fs->attr_to.nsec;
		pt_fill_attr(&st, inode->ino, &out->attr);
	}
	pt_inode_put(inode);
	return err;
}

static int set_size(struct pt_fs *fs, const struct fbr_ctx *c,
		    struct pt_inode *inode, struct pt_handle *h,
		    const struct fuse_setattr_in *in)
{
	int fd = h ? h->fd : pt_reopen(fs, inode, O_WRONLY);
	int err = 0;

	if (fd < 0)
		return fd;
	if (ftruncate(fd, (off_t)in->size) < 0)
		err = -errno;
	else if (pt_kills(fs, in->valid & FATTR_KILL_SUIDGID))
		err = pt_kill_suidgid(fs, c, fd, in->valid & FATTR_KILL_SUIDGID,
				      0);
	if (!h)
		close(fd);
	return err;
}

static struct timespec attr_time(uint32_t valid, uint32_t set, uint32_t now,
				 uint64_t sec, uint32_t nsec)
{
	if (valid & now)
		return (struct timespec){ .tv_nsec = UTIME_NOW };
	if (valid & set)
		return (struct timespec){ .tv_sec = (time_t)sec, .tv_nsec = nsec };
	return (struct timespec){ .tv_nsec = UTIME_OMIT };
}

static int set_times(struct pt_fs *fs, int fd, const struct fuse_setattr_in *in)
{
	struct timespec ts[2] = {
		attr_time(in->valid, FATTR_ATIME, FATTR_ATIME_NOW, in->atime,
			  in->atimensec),
		attr_time(in->valid, FATTR_MTIME, FATTR_MTIME_NOW, in->mtime,
			  in->mtimensec),
	};
	char name[PT_FDNAME_MAX];

	pt_fdname(fd, name);
	return utimensat(fs->procfd, name, ts, 0) < 0 ? -errno : 0;
}

#define ANY_ATTR (FATTR_MODE | FATTR_UID | FATTR_GID | FATTR_SIZE | \
		  FATTR_ATIME | FATTR_MTIME | FATTR_ATIME_NOW | FATTR_MTIME_NOW)

/*
 * chown(f, -1, -1) arrives as a SETATTR that sets nothing, yet it still
 * changes ctime natively: the same fchownat does that here.  The set-id
 * bits a chown clears natively are cleared too (see killpriv.c).
 */
static int set_owner(struct pt_fs *fs, const struct fbr_ctx *c, int fd,
		     const struct fuse_setattr_in *in)
{
	uint32_t uid = (in->valid & FATTR_UID) ? in->uid : (uint32_t)-1;
	uint32_t gid = (in->valid & FATTR_GID) ? in->gid : (uint32_t)-1;
	mode_t mode = (mode_t)-1;
	int err = 0;

	if (pt_kills(fs, true))
		err = pt_chown_kill(fs, c, fd, gid, !(in->valid & ANY_ATTR),
				    &mode);
	if (err)
		return err > 0 ? 0 : err;
	if (fchownat(fd, "", uid, gid, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		err = -errno;
	if (!err && mode != (mode_t)-1)
		err = pt_chmod(fs, fd, mode);
	return err;
}

static int set_attrs(struct pt_fs *fs, const struct fbr_ctx *c,
		     struct pt_inode *inode, struct pt_handle *h,
		     const struct fuse_setattr_in *in)
{
	int fd = h ? h->fd : pt_inode_fd(inode);
	uint32_t v = in->valid;
	int err = 0;

	if ((v & (FATTR_UID | FATTR_GID)) || !(v & ANY_ATTR))
		err = set_owner(fs, c, fd, in);
	if (!err && (v & FATTR_MODE))
		err = pt_chmod(fs, fd, in->mode & 07777);
	if (!err && (v & FATTR_SIZE))
		err = set_size(fs, c, inode, h, in);
	if (!err && (v & (FATTR_ATIME | FATTR_MTIME |
			  FATTR_ATIME_NOW | FATTR_MTIME_NOW)))
		err = set_times(fs, fd, in);
	return err;
}

int pt_setattr(void *fs_, const struct fbr_ctx *c, uint64_t ino,
	       const struct fuse_setattr_in *in, struct fuse_attr_out *out)
{
	struct pt_fs *fs = fs_;
	struct pt_inode *inode;
	struct pt_handle *h = NULL;
	int err;

	PT_WRITABLE(fs);
	inode = pt_inode_get(fs, ino);
	if (!inode)
		return -errno;
	if ((in->valid & FATTR_FH) &&
	    !(h = pt_handle_get(fs, in->fh, false))) {
		err = -EBADF;
		goto out_put_inode;
	}
	err = set_attrs(fs, c, inode, h, in);
	pt_handle_put(h);
	if (!err)
		err = pt_getattr(fs, c, ino, NULL, out);
out_put_inode:
	pt_inode_put(inode);
	return err;
}

static struct fuse_sx_time sx_time(struct statx_timestamp t)
{
	return (struct fuse_sx_time){ .tv_sec = t.tv_sec, .tv_nsec = t.tv_nsec };
}

static void fill_statx(const struct statx *st, uint64_t ino,
		       struct fuse_statx *sx)
{
	*sx = (struct fuse_statx){
		.mask = st->stx_mask & FUSE_STATX_MASK,
		.blksize = st->stx_blksize,
		.attributes = st->stx_attributes,
		.nlink = st->stx_nlink,
		.uid = st->stx_uid,
		.gid = st->stx_gid,
		.mode = st->stx_mode,
		.ino = ino,
		.size = st->stx_size,
		.blocks = st->stx_blocks,
		.attributes_mask = st->stx_attributes_mask,
		.atime = sx_time(st->stx_atime),
		.btime = sx_time(st->stx_btime),
		.ctime = sx_time(st->stx_ctime),
		.mtime = sx_time(st->stx_mtime),
		.rdev_major = st->stx_rdev_major,
		.rdev_minor = st->stx_rdev_minor,
		.dev_major = st->stx_dev_major,
		.dev_minor = st->stx_dev_minor,
	};
}

int pt_statx_op(void *fs_, const struct fbr_ctx *c, uint64_t ino,
		const struct fuse_statx_in *in, struct fuse_statx_out *out)
{
	struct pt_fs *fs = fs_;
	struct pt_inode *inode = pt_inode_get(fs, ino);
	struct statx st;
	int err;

	if (!inode)
		return -errno;
	err = pt_statx(pt_inode_fd(inode), in->sx_mask & FUSE_STATX_MASK,
		       (int)in->sx_flags & AT_STATX_SYNC_TYPE, &st);
	if (!err) {
		out->attr_valid = fs->attr_to.sec;
		out->attr_valid_nsec = fs->attr_to.nsec;
		fill_statx(&st, inode->ino, &out->stat);
	}
	pt_inode_put(inode);
	return err;
}

int pt_statfs(void *fs_, const struct fbr_ctx *c, uint64_t ino,
	      struct fuse_kstatfs *out)
{
	struct pt_inode *inode = pt_inode_get(fs_, ino);
	struct statfs sf;
	int err = 0;

	if (!inode)
		return -errno;
	if (fstatfs(pt_inode_fd(inode), &sf) < 0)
		err = -errno;
	else
		*out = (struct fuse_kstatfs){
			.blocks = sf.f_blocks, .bfree = sf.f_bfree,
			.bavail = sf.f_bavail, .files = sf.f_files,
			.ffree = sf.f_ffree, .bsize = (uint32_t)sf.f_bsize,
			.namelen = (uint32_t)sf.f_namelen,
			.frsize = (uint32_t)sf.f_frsize,
		};
	pt_inode_put(inode);
	return err;
}

int pt_access(void *fs_, const struct fbr_ctx *c, uint64_t ino, uint32_t mask)
{
	struct pt_fs *fs = fs_;
	struct pt_inode *inode;
	char name[PT_FDNAME_MAX];
	int err = 0;

	if (fs->opts.readonly && (mask & W_OK))
		return -EROFS;
	inode = pt_inode_get(fs, ino);
	if (!inode)
		return -errno;
	pt_fdname(pt_inode_fd(inode), name);
	if (faccessat(fs->procfd, name, (int)mask, 0) < 0)
		err = -errno;
	pt_inode_put(inode);
	return err;
}
