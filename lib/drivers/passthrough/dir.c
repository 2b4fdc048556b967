/*
 * Open directories.  A directory handle is a real fd on the directory;
 * READDIR reads it with getdents64(2) and hands the kernel the host's own
 * d_off values, so an offset stays good across calls and across entries
 * being added or removed, as it does natively.  The handle remembers the
 * fd's offset, so a listing read in order costs no seek.  READDIRPLUS
 * looks every entry up ("." and ".." excepted, which the kernel skips);
 * an entry that does not fit gives that lookup back.
 *
 * OPENDIR is never refused with ENOSYS (FUSE_NO_OPENDIR_SUPPORT): each
 * READDIR would then open the directory afresh and seek to the offset,
 * and where the host's d_off is a position rather than a stable cookie
 * (overlayfs merged directories, tmpfs before Linux 6.6) a listing read
 * in several READDIRs while names come and go would skip or repeat names
 * that stayed, which one open directory never does.
 */
#define _GNU_SOURCE 1
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "drivers/passthrough/pt.h"
#include "protocol/dirent.h"

int pt_opendir(void *fs_, const struct fbr_ctx *c, uint64_t ino,
	       const struct fuse_open_in *in, struct fuse_open_out *out)
{
	struct pt_fs *fs = fs_;
	struct pt_inode *inode = pt_inode_get(fs, ino);
	int fd;

	if (!inode)
		return -errno;
	fd = pt_reopen(fs, inode, O_RDONLY | O_DIRECTORY);
	if (fd < 0) {
		pt_inode_put(inode);
		return fd;
	}
	out->open_flags = fs->dopen_flags;
	return pt_handle_new(fs, fd, inode, true, &out->fh);
}

static int emit_plus(struct pt_fs *fs, struct pt_inode *dir,
		     const struct dirent64 *d, uint64_t ino,
		     struct fbr_dirbuf *buf)
{
	struct fuse_entry_out e = { 0 };
	int err;

	if (pt_is_dot(d->d_name)) { /* no lookup: nodeid 0, the kernel skips it */
		e.attr.ino = ino;
		e.attr.mode = DTTOIF(d->d_type);
		return fbr_dirbuf_add_plus(buf, d->d_name, &e, (uint64_t)d->d_off);
	}
	err = pt_lookup_at(fs, dir, d->d_name, &e);
	if (err == -ENOENT)
		return 0; /* gone since getdents64: leave it out */
	if (err)
		return err;
	err = fbr_dirbuf_add_plus(buf, d->d_name, &e, (uint64_t)d->d_off);
	if (err)
		pt_inode_forget(fs, e.nodeid, 1);
	return err;
}

static int emit(struct pt_fs *fs, struct pt_inode *dir,
		const struct dirent64 *d, struct fbr_dirbuf *buf, bool plus)
{
	uint64_t ino;

	if (dir == fs->root && strcmp(d->d_name, "..") == 0)
		ino = fs->root->ino; /* the root has no parent here */
	else
		ino = pt_dirent_ino(fs, dir, d->d_ino);
	if (plus)
		return emit_plus(fs, dir, d, ino, buf);
	return fbr_dirbuf_add(buf, d->d_name, ino, d->d_type, (uint64_t)d->d_off);
}

#define DENTS_MAX (32 << 10)  /* the most read at once */
#define DENTS_MIN 1024        /* room for any one entry */

/*
 * How much to read for what is left of buf: a host entry takes about the
 * room of the kernel's (24 bytes and the name), and a READDIRPLUS one
 * about a fifth of it.  Reading more would read past what fits, to be
 * read again after a seek; less would take more system calls.
 */
static size_t dents_for(const struct fbr_dirbuf *buf, bool plus)
{
	size_t left = (buf->cap - buf->used) / (plus ? 5 : 1);

	return left < DENTS_MIN ? DENTS_MIN : left > DENTS_MAX ? DENTS_MAX : left;
}

/* Fill buf from offset on; the handle is locked. */
static int fill(struct pt_fs *fs, struct pt_handle *h, uint64_t offset,
		struct fbr_dirbuf *buf, bool plus)
{
	_Alignas(struct dirent64) char dents[DENTS_MAX];

	if ((int64_t)offset != h->pos) {
		if (lseek(h->fd, (off_t)offset, SEEK_SET) < 0)
			return -errno;
		h->pos = (int64_t)offset;
	}
	for (;;) {
		ssize_t n = getdents64(h->fd, dents, dents_for(buf, plus));

		if (n <= 0)
			return n < 0 && !buf->used ? -errno : 0;
		for (ssize_t p = 0; p < n;) {
			const struct dirent64 *d = (const void *)(dents + p);
			int err = emit(fs, h->inode, d, buf, plus);

			if (err) { /* the fd has read past what was sent */
				h->pos = -1;
				return err == -ENOSPC || buf->used ? 0 : err;
			}
			h->pos = d->d_off;
			p += d->d_reclen;
		}
	}
}

static int readdir_common(struct pt_fs *fs, const struct fuse_read_in *in,
			  struct fbr_dirbuf *buf, bool plus)
{
	struct pt_handle *h = pt_handle_get(fs, in->fh, true);
	int err;

	if (!h)
		return -EBADF;
	pthread_mutex_lock(&h->lock);
	err = fill(fs, h, in->offset, buf, plus);
	pthread_mutex_unlock(&h->lock);
	pt_handle_put(h);
	return err;
}

int pt_readdir(void *fs, const struct fbr_ctx *c, uint64_t ino,
	       const struct fuse_read_in *in, struct fbr_dirbuf *buf)
{
	return readdir_common(fs, in, buf, false);
}

int pt_readdirplus(void *fs, const struct fbr_ctx *c, uint64_t ino,
		   const struct fuse_read_in *in, struct fbr_dirbuf *buf)
{
	return readdir_common(fs, in, buf, true);
}

int pt_releasedir(void *fs, const struct fbr_ctx *c, uint64_t ino,
		  const struct fuse_release_in *in)
{
	return pt_handle_del(fs, in->fh, true);
}

int pt_fsyncdir(void *fs, const struct fbr_ctx *c, uint64_t ino,
		const struct fuse_fsync_in *in)
{
	return pt_sync_handle(fs, in, true);
}
