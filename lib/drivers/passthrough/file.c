/*
 * Open files: OPEN reopens the inode's O_PATH fd through /proc/self/fd
 * with the flags asked for (never a device node's), CREATE and TMPFILE
 * make the file relative to the parent's fd (as the caller: creds.c), and
 * the data operations (READ, WRITE, FALLOCATE, LSEEK, COPY_FILE_RANGE,
 * FSYNC) run on the handle's fd with the positioned calls, so handles
 * share no file offset state.  The cache mode decides the FOPEN_* flags;
 * under writeback caching the kernel also reads through write-only
 * handles and does O_APPEND itself.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/uio.h>
#include <unistd.h>

#include "drivers/passthrough/pt.h"

void pt_fdname(int fd, char name[PT_FDNAME_MAX])
{
	snprintf(name, PT_FDNAME_MAX, "%d", fd);
}

/*
 * A device node in the source is the client's to open, on its side: the
 * kernel never sends OPEN for one.  Opened here it would be the host's
 * device, so a guest that makes a node for the host's disk and sends a
 * crafted OPEN would read that disk; refused as on a nodev mount.
 */
static bool is_device(mode_t type)
{
	return S_ISCHR(type) || S_ISBLK(type);
}

int pt_reopen(struct pt_fs *fs, const struct pt_inode *in, int flags)
{
	char name[PT_FDNAME_MAX];
	int fd;

	if (is_device(in->type))
		return -EACCES;
	pt_fdname(pt_inode_fd(in), name);
	/* O_NOFOLLOW would refuse the /proc link itself; a symlink's inode
	   still gives ELOOP. */
	fd = openat(fs->procfd, name, (flags & ~O_NOFOLLOW) | O_CLOEXEC);
	if (fd < 0 && pt_fds_reclaim(fs, errno)) /* EMFILE: cached fds back */
		fd = openat(fs->procfd, name, (flags & ~O_NOFOLLOW) | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* fd duplicated, cached fds given back if need be; or -errno. */
static int dup_fd(struct pt_fs *fs, int fd)
{
	int d = dup(fd);

	if (d < 0 && pt_fds_reclaim(fs, errno))
		d = dup(fd);
	return d < 0 ? -errno : d;
}

/* The flags the host open gets, from those the kernel sent. */
static int open_flags(const struct pt_fs *fs, uint32_t kflags)
{
	int flags = (int)kflags & ~(O_CREAT | O_EXCL | O_NOCTTY);

	if (fs->writeback) {
		if ((flags & O_ACCMODE) == O_WRONLY)
			flags = (flags & ~O_ACCMODE) | O_RDWR;
		flags &= ~O_APPEND;
	}
	return flags;
}

static int check_writable(const struct pt_fs *fs, uint32_t kflags)
{
	if (fs->opts.readonly &&
	    ((kflags & O_ACCMODE) != O_RDONLY || (kflags & O_TRUNC)))
		return -EROFS;
	return 0;
}

/* An open that truncates drops set-id bits.  Returns fd, or closes it and
   returns the error. */
static int kill_on_trunc(struct pt_fs *fs, const struct fbr_ctx *c, int fd,
			 uint32_t flags, uint32_t open_flags)
{
	bool flagged = open_flags & FUSE_OPEN_KILL_SUIDGID;
	int err;

	if (!(flags & O_TRUNC) || !pt_kills(fs, flagged))
		return fd;
	err = pt_kill_suidgid(fs, c, fd, flagged, 0); /* no O_TRUNC on OPEN */
	if (!err)
		return fd;
	close(fd);
	return err;
}

/*
 * The open flags the kernel accepts beside FOPEN_PASSTHROUGH; any other
 * (FOPEN_KEEP_CACHE at cache=always) fails the caller's open with EIO.
 * The backing file's own page cache does what KEEP_CACHE would.
 */
#define PASSTHROUGH_FOPEN (FOPEN_DIRECT_IO | FOPEN_PARALLEL_DIRECT_WRITES | \
			   FOPEN_NOFLUSH)

/*
 * The handle of a file just opened (takes fd and in), and FUSE passthrough
 * for it where agreed; mode is the file's if known, else 0.
 */
static int file_new(struct pt_fs *fs, const struct fbr_ctx *c, int fd,
		    struct pt_inode *in, uint32_t mode, struct fuse_open_out *o)
{
	struct pt_handle *h;
	int err = pt_handle_new(fs, fd, in, false, &o->fh);

	if (err || !fs->passthrough || !(h = pt_handle_get(fs, o->fh, false)))
		return err;
	o->backing_id = pt_backing_get(fs, c, h->inode, h->fd, mode);
	if (o->backing_id > 0) {
		h->backed = true;
		o->open_flags = (o->open_flags & PASSTHROUGH_FOPEN) |
				FOPEN_PASSTHROUGH;
	}
	pt_handle_put(h);
	return 0;
}

int pt_open(void *fs_, const struct fbr_ctx *c, uint64_t ino,
	    const struct fuse_open_in *in, struct fuse_open_out *out)
{
	struct pt_fs *fs = fs_;
	struct pt_inode *inode;
	int fd, err = check_writable(fs, in->flags);

	if (err)
		return err;
	inode = pt_inode_get(fs, ino);
	if (!inode)
		return -errno;
	fd = pt_reopen(fs, inode, open_flags(fs, in->flags));
	if (fd >= 0)
		fd = kill_on_trunc(fs, c, fd, in->flags, in->open_flags);
	if (fd < 0) {
		pt_inode_put(inode);
		return fd;
	}
	out->open_flags = fs->fopen_flags;
	return file_new(fs, c, fd, inode, 0, out);
}

/*
 * The rest of CREATE and TMPFILE once fd is open: the entry for it, found
 * through an O_PATH reopen so it names exactly the file opened, and a
 * handle.  The reopen takes the number of spare, an fd held since before
 * the file was made (closed here), unless another thread is quicker.
 */
static int opened(struct pt_fs *fs, const struct fbr_ctx *c, int fd,
		  int spare, struct fuse_entry_out *e, struct fuse_open_out *o)
{
	char name[PT_FDNAME_MAX];
	struct pt_inode *in;
	int pfd, err;

	pt_fdname(fd, name);
	close(spare);
	pfd = openat(fs->procfd, name, O_PATH | O_CLOEXEC);
	if (pfd < 0) {
		err = -errno;
		goto err_close;
	}
	err = pt_entry_from_fd(fs, pfd, e, &in);
	if (err)
		goto err_close;
	o->open_flags = fs->fopen_flags;
	err = file_new(fs, c, fd, in, e->attr.mode, o); /* takes fd, in */
	if (err)
		pt_inode_forget(fs, e->nodeid, 1);
	return err;
err_close:
	close(fd);
	return err;
}

/* openat() as the caller, so a new file is the caller's. */
static int open_as(struct pt_fs *fs, const struct fbr_ctx *c, int dfd,
		   const char *name, int flags, mode_t mode)
{
	struct pt_creds saved;
	int fd = pt_creds_enter(fs, c, &saved);

	if (fd < 0)
		return fd;
	fd = openat(dfd, name, flags, mode);
	if (fd < 0)
		fd = -errno;
	pt_creds_leave(fs, &saved);
	return fd;
}

/*
 * CREATE of a name that is there already opens what is there, as open(2)
 * with O_CREAT does, but through an O_PATH fd whose type is checked
 * first: never a device node (see pt_reopen), never a symlink's target.
 */
static int open_existing(struct pt_fs *fs, const struct fbr_ctx *c, int dfd,
			 const char *name, int flags)
{
	char pname[PT_FDNAME_MAX];
	struct statx st;
	int pfd, fd;

	pfd = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (pfd < 0)
		return -errno;
	fd = pt_statx(pfd, STATX_TYPE, 0, &st);
	if (fd < 0)
		goto out_close;
	if (S_ISLNK(st.stx_mode))
		fd = -ELOOP;
	else if (S_ISDIR(st.stx_mode))
		fd = -EISDIR;
	else if (is_device(st.stx_mode))
		fd = -EACCES;
	if (fd < 0)
		goto out_close;
	pt_fdname(pfd, pname);
	fd = open_as(fs, c, fs->procfd, pname, flags & ~(O_CREAT | O_NOFOLLOW), 0);
out_close:
	close(pfd);
	return fd;
}

/*
 * The file CREATE names: made (O_EXCL, whatever was asked; *made), or
 * opened if it exists and O_EXCL was not asked; once more if it went in
 * between.
 */
static int create_open(struct pt_fs *fs, const struct fbr_ctx *c, int dfd,
		       const char *name, int flags, mode_t mode, bool *made)
{
	int fd = -ENOENT;

	*made = true;
	if ((flags & O_TMPFILE) == O_TMPFILE)
		return open_as(fs, c, dfd, name, flags, mode);
	for (int tries = 0; tries < 2 && fd == -ENOENT; tries++) {
		fd = open_as(fs, c, dfd, name, flags | O_EXCL, mode);
		*made = fd >= 0;
		if (fd == -EEXIST && !(flags & O_EXCL))
			fd = open_existing(fs, c, dfd, name, flags);
	}
	return fd;
}

static int create_common(struct pt_fs *fs, const struct fbr_ctx *c,
			 uint64_t parent, const char *name,
			 const struct fuse_create_in *in, int extra,
			 struct fuse_entry_out *e, struct fuse_open_out *o)
{
	struct pt_inode *dir;
	int fd, spare, flags;
	bool made = false;

	PT_WRITABLE(fs);
	dir = pt_inode_get(fs, parent);
	if (!dir)
		return -errno;
	flags = open_flags(fs, in->flags) | extra | O_NOFOLLOW | O_CLOEXEC;
	if (extra & O_TMPFILE) {
		if ((flags & O_ACCMODE) == O_RDONLY)
			flags |= O_RDWR;
		name = ".";
	}
	/* The new file takes two fds: EMFILE must come before it is made,
	   so hold the second now, giving fds back if need be, and retry. */
	fd = spare = dup_fd(fs, fs->procfd);
	if (spare >= 0)
		fd = create_open(fs, c, pt_inode_fd(dir), name, flags,
				 in->mode & 07777, &made);
	if (spare >= 0 && fd < 0 && pt_fds_reclaim(fs, -fd))
		fd = create_open(fs, c, pt_inode_fd(dir), name, flags,
				 in->mode & 07777, &made);
	pt_inode_put(dir);
	if (fd >= 0 && !made) /* a file just made has nothing to truncate */
		fd = kill_on_trunc(fs, c, fd, in->flags, in->open_flags);
	if (fd < 0) {
		if (spare >= 0)
			close(spare);
		return fd;
	}
	return opened(fs, c, fd, spare, e, o);
}

int pt_create(void *fs, const struct fbr_ctx *c, uint64_t parent,
	      const char *name, const struct fuse_create_in *in,
	      struct fuse_entry_out *entry, struct fuse_open_out *open)
{
	if (!pt_name_ok(name))
		return -EINVAL;
	return create_common(fs, c, parent, name, in,
			     O_CREAT | (in->flags & O_EXCL), entry, open);
}

int pt_tmpfile(void *fs, const struct fbr_ctx *c, uint64_t parent,
	       const char *name, const struct fuse_create_in *in,
	       struct fuse_entry_out *entry, struct fuse_open_out *open)
{
	return create_common(fs, c, parent, name, in,
			     O_TMPFILE | (in->flags & O_EXCL), entry, open);
}

int pt_read(void *fs, const struct fbr_ctx *c, uint64_t ino,
	    const struct fuse_read_in *in, const struct iovec *dst, int dstcnt)
{
	struct pt_handle *h = pt_handle_get(fs, in->fh, false);
	ssize_t n;

	if (!h)
		return -EBADF;
	n = preadv(h->fd, dst, dstcnt, (off_t)in->offset);
	pt_handle_put(h);
	return n < 0 ? -errno : (int)n;
}

int pt_write(void *fs_, const struct fbr_ctx *c, uint64_t ino,
	     const struct fuse_write_in *in, const struct iovec *src,
	     int srccnt)
{
	struct pt_fs *fs = fs_;
	struct pt_handle *h;
	ssize_t n;
	int err = 0;

	PT_WRITABLE(fs);
	h = pt_handle_get(fs, in->fh, false);
	if (!h)
		return -EBADF;
	if (pt_kills(fs, in->write_flags & FUSE_WRITE_KILL_SUIDGID))
		err = pt_kill_suidgid(fs, c, h->fd,
				      in->write_flags & FUSE_WRITE_KILL_SUIDGID,
				      ino);
	if (!err) {
		n = pwritev(h->fd, src, srccnt, (off_t)in->offset);
		err = n < 0 ? -errno : (int)n;
	}
	pt_handle_put(h);
	return err;
}

/*
 * What close(2) of one of the kernel's file descriptors would do.  Out of
 * fds even with the cached ones given back, the host file's flush is left
 * to RELEASE, which closes it: the caller's close(2) must not fail with
 * EMFILE, a limit of ours.
 */
int pt_flush(void *fs, const struct fbr_ctx *c, uint64_t ino,
	     const struct fuse_flush_in *in)
{
	struct pt_handle *h = pt_handle_get(fs, in->fh, false);
	int fd, err = 0;

	if (!h)
		return -EBADF;
	/* Closing a duplicate reports the file's pending write errors. */
	fd = dup_fd(fs, h->fd);
	if (fd >= 0 && close(fd) < 0)
		err = -errno;
	else if (fd < 0 && fd != -EMFILE && fd != -ENFILE)
		err = fd;
	pt_locks_flush(fs, h, in->lock_owner); /* and drop its POSIX locks */
	pt_handle_put(h);
	return err;
}

int pt_release(void *fs, const struct fbr_ctx *c, uint64_t ino,
	       const struct fuse_release_in *in)
{
	struct pt_handle *h = pt_handle_get(fs, in->fh, false);

	if (h && h->backed)
		pt_backing_put(fs, c, h->inode);
	pt_handle_put(h);
	pt_locks_release(fs, in);
	return pt_handle_del(fs, in->fh, false);
}

/* FSYNC and FSYNCDIR: the handle's fd, whole or data only. */
int pt_sync_handle(struct pt_fs *fs, const struct fuse_fsync_in *in, bool dir)
{
	struct pt_handle *h = pt_handle_get(fs, in->fh, dir);
	int err;

	if (!h)
		return -EBADF;
	if (in->fsync_flags & FUSE_FSYNC_FDATASYNC)
		err = fdatasync(h->fd);
	else
		err = fsync(h->fd);
	err = err < 0 ? -errno : 0;
	pt_handle_put(h);
	return err;
}

int pt_fsync(void *fs, const struct fbr_ctx *c, uint64_t ino,
	     const struct fuse_fsync_in *in)
{
	return pt_sync_handle(fs, in, false);
}

int pt_fallocate(void *fs_, const struct fbr_ctx *c, uint64_t ino,
		 const struct fuse_fallocate_in *in)
{
	struct pt_fs *fs = fs_;
	struct pt_handle *h;
	int err = 0;

	PT_WRITABLE(fs);
	h = pt_handle_get(fs, in->fh, false);
	if (!h)
		return -EBADF;
	if (fallocate(h->fd, (int)in->mode, (off_t)in->offset,
		      (off_t)in->length) < 0)
		err = -errno;
	else if (pt_kills(fs, true)) /* the kernel flags no FALLOCATE */
		err = pt_kill_suidgid(fs, c, h->fd, false, ino);
	pt_handle_put(h);
	return err;
}

int pt_lseek(void *fs, const struct fbr_ctx *c, uint64_t ino,
	     const struct fuse_lseek_in *in, struct fuse_lseek_out *out)
{
	struct pt_handle *h = pt_handle_get(fs, in->fh, false);
	off_t off;

	if (!h)
		return -EBADF;
	off = lseek(h->fd, (off_t)in->offset, (int)in->whence);
	pt_handle_put(h);
	if (off < 0)
		return -errno;
	out->offset = (uint64_t)off;
	return 0;
}

int pt_copy_file_range(void *fs_, const struct fbr_ctx *c, uint64_t ino,
		       const struct fuse_copy_file_range_in *in,
		       uint64_t *copied)
{
	struct pt_fs *fs = fs_;
	struct pt_handle *hin, *hout;
	loff_t off_in = (loff_t)in->off_in, off_out = (loff_t)in->off_out;
	ssize_t n = -1;
	int err = 0;

	PT_WRITABLE(fs);
	hin = pt_handle_get(fs, in->fh_in, false);
	hout = pt_handle_get(fs, in->fh_out, false);
	if (!hin || !hout)
		err = -EBADF;
	else if ((n = copy_file_range(hin->fd, &off_in, hout->fd, &off_out,
				      (size_t)in->len, (unsigned)in->flags)) < 0)
		err = -errno;
	else if (n > 0 && pt_kills(fs, true)) /* nor COPY_FILE_RANGE */
		err = pt_kill_suidgid(fs, c, hout->fd, false, in->nodeid_out);
	if (!err)
		*copied = (uint64_t)n;
	pt_handle_put(hout);
	pt_handle_put(hin);
	return err;
}
