/*
 * The describers.  Requests have been checked by fbr_args_parse(), so
 * their structs are whole; replies and notifications come from anywhere
 * (a trace file) and are checked here before any field is read.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "protocol/describe.h"
#include "protocol/names.h"
#include "protocol/opcode.h"

#define MAX_LISTED 64 /* directory entries and xattr names shown per reply */

/* Copy a struct out of possibly unaligned bytes; false when too short. */
#define TAKE(var, p, len) \
	((len) >= sizeof(var) ? (memcpy(&(var), (p), sizeof(var)), true) : false)

static void short_reply(struct fbr_emit *e, size_t len)
{
	fbr_emit_u64(e, "short_reply_bytes", len);
}

static void attr(struct fbr_emit *e, const char *name, const struct fuse_attr *a)
{
	fbr_emit_begin(e, name);
	fbr_emit_u64(e, "ino", a->ino);
	fbr_emit_mode(e, "mode", a->mode);
	fbr_emit_u64(e, "nlink", a->nlink);
	fbr_emit_u64(e, "uid", a->uid);
	fbr_emit_u64(e, "gid", a->gid);
	fbr_emit_u64(e, "size", a->size);
	fbr_emit_u64(e, "blocks", a->blocks);
	fbr_emit_time(e, "atime", a->atime, a->atimensec);
	fbr_emit_time(e, "mtime", a->mtime, a->mtimensec);
	fbr_emit_time(e, "ctime", a->ctime, a->ctimensec);
	if (a->rdev)
		fbr_emit_hex(e, "rdev", a->rdev);
	fbr_emit_u64(e, "blksize", a->blksize);
	if (a->flags)
		fbr_emit_flags(e, "flags", a->flags, fbr_attr_flags);
	fbr_emit_end(e);
}

static void entry(struct fbr_emit *e, const struct fuse_entry_out *o)
{
	fbr_emit_u64(e, "nodeid", o->nodeid);
	fbr_emit_u64(e, "generation", o->generation);
	fbr_emit_time(e, "entry_valid", o->entry_valid, o->entry_valid_nsec);
	fbr_emit_time(e, "attr_valid", o->attr_valid, o->attr_valid_nsec);
	if (o->nodeid)
		attr(e, "attr", &o->attr);
}

static void open_flags(struct fbr_emit *e, const char *key, uint32_t f)
{
	static const char *acc[] = { "O_RDONLY", "O_WRONLY", "O_RDWR",
				     "O_ACCMODE" };
	uint32_t rest = f & ~(uint32_t)O_ACCMODE;

	if (rest)
		fbr_emit_flags_after(e, key, acc[f & O_ACCMODE], rest,
				     fbr_open_flags);
	else
		fbr_emit_sym(e, key, acc[f & O_ACCMODE]);
}

static void lock(struct fbr_emit *e, const struct fuse_file_lock *l)
{
	fbr_emit_begin(e, "lk");
	fbr_emit_sym(e, "type", fbr_lock_type_name(l->type));
	fbr_emit_u64(e, "start", l->start);
	fbr_emit_u64(e, "end", l->end);
	fbr_emit_u64(e, "pid", l->pid);
	fbr_emit_end(e);
}

static void version(struct fbr_emit *e, uint32_t major, uint32_t minor)
{
	char v[24];

	snprintf(v, sizeof(v), "%u.%u", major, minor);
	fbr_emit_sym(e, "version", v);
}

static void name(struct fbr_emit *e, const char *key, const char *s)
{
	fbr_emit_str(e, key, s, strlen(s));
}

/* Requests: one function per argument layout. */

static void in_names(struct fbr_emit *e, const struct fuse_in_header *h,
		     const struct fbr_args *a)
{
	static const char *keys[2][2] = { { "name", NULL }, { "name", "target" } };
	const struct fbr_opdesc *d = fbr_opdesc(h->opcode);

	for (unsigned i = 0; i < d->nnames && i < 2; i++)
		name(e, keys[d->nnames - 1][i], a->name[i]);
}

static void in_forget(struct fbr_emit *e, const struct fuse_in_header *h,
		      const struct fbr_args *a)
{
	fbr_emit_u64(e, "nlookup", ((const struct fuse_forget_in *)a->in)->nlookup);
}

static void in_batch_forget(struct fbr_emit *e, const struct fuse_in_header *h,
			    const struct fbr_args *a)
{
	uint32_t n = a->taillen / sizeof(struct fuse_forget_one);

	fbr_emit_u64(e, "count", n);
	fbr_emit_list_begin(e, "items");
	for (uint32_t i = 0; i < n && i < MAX_LISTED; i++) {
		struct fuse_forget_one one;

		memcpy(&one, (const char *)a->tail + i * sizeof(one), sizeof(one));
		fbr_emit_begin(e, NULL);
		fbr_emit_u64(e, "nodeid", one.nodeid);
		fbr_emit_u64(e, "nlookup", one.nlookup);
		fbr_emit_end(e);
	}
	fbr_emit_list_end(e);
}

static void in_getattr(struct fbr_emit *e, const struct fuse_in_header *h,
		       const struct fbr_args *a)
{
	const struct fuse_getattr_in *in = a->in;

	if (in->getattr_flags & FUSE_GETATTR_FH)
		fbr_emit_hex(e, "fh", in->fh);
}

static void in_setattr(struct fbr_emit *e, const struct fuse_in_header *h,
		       const struct fbr_args *a)
{
	const struct fuse_setattr_in *in = a->in;

	fbr_emit_flags(e, "valid", in->valid, fbr_setattr_valid);
	if (in->valid & FATTR_MODE)
		fbr_emit_mode(e, "mode", in->mode);
	if (in->valid & FATTR_UID)
		fbr_emit_u64(e, "uid", in->uid);
	if (in->valid & FATTR_GID)
		fbr_emit_u64(e, "gid", in->gid);
	if (in->valid & FATTR_SIZE)
		fbr_emit_u64(e, "size", in->size);
	if (in->valid & FATTR_ATIME)
		fbr_emit_time(e, "atime", in->atime, in->atimensec);
	if (in->valid & FATTR_MTIME)
		fbr_emit_time(e, "mtime", in->mtime, in->mtimensec);
	if (in->valid & FATTR_CTIME)
		fbr_emit_time(e, "ctime", in->ctime, in->ctimensec);
	if (in->valid & FATTR_FH)
		fbr_emit_hex(e, "fh", in->fh);
}

static void in_mknod(struct fbr_emit *e, const struct fuse_in_header *h,
		     const struct fbr_args *a)
{
	const struct fuse_mknod_in *in = a->in;

	name(e, "name", a->name[0]);
	fbr_emit_mode(e, "mode", in->mode);
	if (in->rdev)
		fbr_emit_hex(e, "rdev", in->rdev);
	fbr_emit_oct(e, "umask", in->umask);
}

static void in_mkdir(struct fbr_emit *e, const struct fuse_in_header *h,
		     const struct fbr_args *a)
{
	const struct fuse_mkdir_in *in = a->in;

	name(e, "name", a->name[0]);
	fbr_emit_mode(e, "mode", in->mode);
	fbr_emit_oct(e, "umask", in->umask);
}

static void in_rename(struct fbr_emit *e, const struct fuse_in_header *h,
		      const struct fbr_args *a)
{
	uint64_t newdir = h->opcode == FUSE_RENAME2 ?
		((const struct fuse_rename2_in *)a->in)->newdir :
		((const struct fuse_rename_in *)a->in)->newdir;

	name(e, "name", a->name[0]);
	fbr_emit_u64(e, "newdir", newdir);
	name(e, "newname", a->name[1]);
	if (h->opcode == FUSE_RENAME2)
		fbr_emit_flags(e, "flags",
			       ((const struct fuse_rename2_in *)a->in)->flags,
			       fbr_rename_flags);
}

static void in_link(struct fbr_emit *e, const struct fuse_in_header *h,
		    const struct fbr_args *a)
{
	fbr_emit_u64(e, "oldnodeid",
		     ((const struct fuse_link_in *)a->in)->oldnodeid);
	name(e, "newname", a->name[0]);
}

static void in_open(struct fbr_emit *e, const struct fuse_in_header *h,
		    const struct fbr_args *a)
{
	const struct fuse_open_in *in = a->in;

	open_flags(e, "flags", in->flags);
	if (in->open_flags)
		fbr_emit_hex(e, "open_flags", in->open_flags);
}

static void in_create(struct fbr_emit *e, const struct fuse_in_header *h,
		      const struct fbr_args *a)
{
	const struct fuse_create_in *in = a->in;

	name(e, "name", a->name[0]);
	open_flags(e, "flags", in->flags);
	fbr_emit_mode(e, "mode", in->mode);
	fbr_emit_oct(e, "umask", in->umask);
}

static void in_read(struct fbr_emit *e, const struct fuse_in_header *h,
		    const struct fbr_args *a)
{
	const struct fuse_read_in *in = a->in;

	fbr_emit_hex(e, "fh", in->fh);
	fbr_emit_u64(e, "offset", in->offset);
	fbr_emit_u64(e, "size", in->size);
}

static void in_write(struct fbr_emit *e, const struct fuse_in_header *h,
		     const struct fbr_args *a)
{
	const struct fuse_write_in *in = a->in;

	fbr_emit_hex(e, "fh", in->fh);
	fbr_emit_u64(e, "offset", in->offset);
	fbr_emit_u64(e, "size", in->size);
	if (in->write_flags)
		fbr_emit_flags(e, "write_flags", in->write_flags, fbr_write_flags);
}

static void in_release(struct fbr_emit *e, const struct fuse_in_header *h,
		       const struct fbr_args *a)
{
	const struct fuse_release_in *in = a->in;

	fbr_emit_hex(e, "fh", in->fh);
	open_flags(e, "flags", in->flags);
	if (in->release_flags)
		fbr_emit_flags(e, "release_flags", in->release_flags,
			       fbr_release_flags);
	if (in->lock_owner)
		fbr_emit_hex(e, "lock_owner", in->lock_owner);
}

static void in_flush(struct fbr_emit *e, const struct fuse_in_header *h,
		     const struct fbr_args *a)
{
	const struct fuse_flush_in *in = a->in;

	fbr_emit_hex(e, "fh", in->fh);
	fbr_emit_hex(e, "lock_owner", in->lock_owner);
}

static void in_fsync(struct fbr_emit *e, const struct fuse_in_header *h,
		     const struct fbr_args *a)
{
	const struct fuse_fsync_in *in = a->in;

	fbr_emit_hex(e, "fh", in->fh);
	if (in->fsync_flags & FUSE_FSYNC_FDATASYNC)
		fbr_emit_sym(e, "sync", "datasync");
}

static void in_setxattr(struct fbr_emit *e, const struct fuse_in_header *h,
			const struct fbr_args *a)
{
	struct fuse_setxattr_in in = { 0 };

	memcpy(&in, a->in, a->insize);
	name(e, "name", a->name[0]);
	fbr_emit_str(e, "value", a->tail, a->taillen);
	fbr_emit_u64(e, "size", in.size);
	if (in.flags)
		fbr_emit_flags(e, "flags", in.flags, fbr_xattr_flags);
}

static void in_getxattr(struct fbr_emit *e, const struct fuse_in_header *h,
			const struct fbr_args *a)
{
	if (a->name[0])
		name(e, "name", a->name[0]);
	fbr_emit_u64(e, "size", ((const struct fuse_getxattr_in *)a->in)->size);
}

static void in_init(struct fbr_emit *e, const struct fuse_in_header *h,
		    const struct fbr_args *a)
{
	struct fuse_init_in in = { 0 };
	uint64_t flags;

	memcpy(&in, a->in, a->insize);
	flags = in.flags | (a->insize > FUSE_COMPAT_INIT_IN_SIZE &&
			    (in.flags & FUSE_INIT_EXT) ?
			    (uint64_t)in.flags2 << 32 : 0);
	version(e, in.major, in.minor);
	fbr_emit_u64(e, "max_readahead", in.max_readahead);
	fbr_emit_flags(e, "flags", flags, fbr_init_flags);
}

static void in_lk(struct fbr_emit *e, const struct fuse_in_header *h,
		  const struct fbr_args *a)
{
	const struct fuse_lk_in *in = a->in;

	fbr_emit_hex(e, "fh", in->fh);
	fbr_emit_hex(e, "owner", in->owner);
	lock(e, &in->lk);
	if (in->lk_flags & FUSE_LK_FLOCK)
		fbr_emit_sym(e, "kind", "flock");
}

static void in_access(struct fbr_emit *e, const struct fuse_in_header *h,
		      const struct fbr_args *a)
{
	uint32_t mask = ((const struct fuse_access_in *)a->in)->mask;

	if (mask)
		fbr_emit_flags(e, "mask", mask, fbr_access_mask);
	else
		fbr_emit_sym(e, "mask", "F_OK");
}

static void in_interrupt(struct fbr_emit *e, const struct fuse_in_header *h,
			 const struct fbr_args *a)
{
	fbr_emit_u64(e, "unique",
		     ((const struct fuse_interrupt_in *)a->in)->unique);
}

static void in_bmap(struct fbr_emit *e, const struct fuse_in_header *h,
		    const struct fbr_args *a)
{
	const struct fuse_bmap_in *in = a->in;

	fbr_emit_u64(e, "block", in->block);
	fbr_emit_u64(e, "blocksize", in->blocksize);
}

static void in_ioctl(struct fbr_emit *e, const struct fuse_in_header *h,
		     const struct fbr_args *a)
{
	const struct fuse_ioctl_in *in = a->in;

	fbr_emit_hex(e, "fh", in->fh);
	fbr_emit_hex(e, "cmd", in->cmd);
	fbr_emit_hex(e, "arg", in->arg);
	if (in->flags)
		fbr_emit_flags(e, "flags", in->flags, fbr_ioctl_flags);
	fbr_emit_u64(e, "in_size", in->in_size);
	fbr_emit_u64(e, "out_size", in->out_size);
}

static void in_poll(struct fbr_emit *e, const struct fuse_in_header *h,
		    const struct fbr_args *a)
{
	const struct fuse_poll_in *in = a->in;

	fbr_emit_hex(e, "fh", in->fh);
	fbr_emit_hex(e, "kh", in->kh);
	fbr_emit_hex(e, "events", in->events);
}

static void in_notify_reply(struct fbr_emit *e, const struct fuse_in_header *h,
			    const struct fbr_args *a)
{
	const struct fuse_notify_retrieve_in *in = a->in;

	fbr_emit_u64(e, "offset", in->offset);
	fbr_emit_u64(e, "size", in->size);
}

static void in_fallocate(struct fbr_emit *e, const struct fuse_in_header *h,
			 const struct fbr_args *a)
{
	const struct fuse_fallocate_in *in = a->in;

	fbr_emit_hex(e, "fh", in->fh);
	fbr_emit_u64(e, "offset", in->offset);
	fbr_emit_u64(e, "length", in->length);
	if (in->mode)
		fbr_emit_flags(e, "mode", in->mode, fbr_fallocate_mode);
}

static void in_lseek(struct fbr_emit *e, const struct fuse_in_header *h,
		     const struct fbr_args *a)
{
	const struct fuse_lseek_in *in = a->in;

	fbr_emit_hex(e, "fh", in->fh);
	fbr_emit_u64(e, "offset", in->offset);
	fbr_emit_sym(e, "whence", fbr_whence_name(in->whence));
}

static void in_copy_file_range(struct fbr_emit *e, const struct fuse_in_header *h,
			       const struct fbr_args *a)
{
	const struct fuse_copy_file_range_in *in = a->in;

	fbr_emit_hex(e, "fh_in", in->fh_in);
	fbr_emit_u64(e, "off_in", in->off_in);
	fbr_emit_u64(e, "nodeid_out", in->nodeid_out);
	fbr_emit_hex(e, "fh_out", in->fh_out);
	fbr_emit_u64(e, "off_out", in->off_out);
	fbr_emit_u64(e, "len", in->len);
	if (in->flags)
		fbr_emit_hex(e, "flags", in->flags);
}

static void in_setupmapping(struct fbr_emit *e, const struct fuse_in_header *h,
			    const struct fbr_args *a)
{
	const struct fuse_setupmapping_in *in = a->in;

	fbr_emit_hex(e, "fh", in->fh);
	fbr_emit_u64(e, "foffset", in->foffset);
	fbr_emit_u64(e, "len", in->len);
	fbr_emit_hex(e, "flags", in->flags);
	fbr_emit_u64(e, "moffset", in->moffset);
}

static void in_removemapping(struct fbr_emit *e, const struct fuse_in_header *h,
			     const struct fbr_args *a)
{
	fbr_emit_u64(e, "count",
		     ((const struct fuse_removemapping_in *)a->in)->count);
}

static void in_statx(struct fbr_emit *e, const struct fuse_in_header *h,
		     const struct fbr_args *a)
{
	const struct fuse_statx_in *in = a->in;

	if (in->getattr_flags & FUSE_GETATTR_FH)
		fbr_emit_hex(e, "fh", in->fh);
	fbr_emit_hex(e, "sx_flags", in->sx_flags);
	fbr_emit_hex(e, "sx_mask", in->sx_mask);
}

static void in_none(struct fbr_emit *e, const struct fuse_in_header *h,
		    const struct fbr_args *a)
{
}

typedef void (*in_fn)(struct fbr_emit *, const struct fuse_in_header *,
		      const struct fbr_args *);

static const in_fn in_table[FUSE_OPCODE_MAX + 1] = {
	[FUSE_LOOKUP] = in_names, [FUSE_FORGET] = in_forget,
	[FUSE_GETATTR] = in_getattr, [FUSE_SETATTR] = in_setattr,
	[FUSE_READLINK] = in_none, [FUSE_SYMLINK] = in_names,
	[FUSE_MKNOD] = in_mknod, [FUSE_MKDIR] = in_mkdir,
	[FUSE_UNLINK] = in_names, [FUSE_RMDIR] = in_names,
	[FUSE_RENAME] = in_rename, [FUSE_LINK] = in_link,
	[FUSE_OPEN] = in_open, [FUSE_READ] = in_read, [FUSE_WRITE] = in_write,
	[FUSE_STATFS] = in_none, [FUSE_RELEASE] = in_release,
	[FUSE_FSYNC] = in_fsync, [FUSE_SETXATTR] = in_setxattr,
	[FUSE_GETXATTR] = in_getxattr, [FUSE_LISTXATTR] = in_getxattr,
	[FUSE_REMOVEXATTR] = in_names, [FUSE_FLUSH] = in_flush,
	[FUSE_INIT] = in_init, [FUSE_OPENDIR] = in_open,
	[FUSE_READDIR] = in_read, [FUSE_RELEASEDIR] = in_release,
	[FUSE_FSYNCDIR] = in_fsync, [FUSE_GETLK] = in_lk,
	[FUSE_SETLK] = in_lk, [FUSE_SETLKW] = in_lk,
	[FUSE_ACCESS] = in_access, [FUSE_CREATE] = in_create,
	[FUSE_INTERRUPT] = in_interrupt, [FUSE_BMAP] = in_bmap,
	[FUSE_DESTROY] = in_none, [FUSE_IOCTL] = in_ioctl,
	[FUSE_POLL] = in_poll, [FUSE_NOTIFY_REPLY] = in_notify_reply,
	[FUSE_BATCH_FORGET] = in_batch_forget,
	[FUSE_FALLOCATE] = in_fallocate, [FUSE_READDIRPLUS] = in_read,
	[FUSE_RENAME2] = in_rename, [FUSE_LSEEK] = in_lseek,
	[FUSE_COPY_FILE_RANGE] = in_copy_file_range,
	[FUSE_SETUPMAPPING] = in_setupmapping,
	[FUSE_REMOVEMAPPING] = in_removemapping, [FUSE_SYNCFS] = in_none,
	[FUSE_TMPFILE] = in_create, [FUSE_STATX] = in_statx,
	[FUSE_COPY_FILE_RANGE_64] = in_copy_file_range,
};

void fbr_describe_args(struct fbr_emit *e, const struct fuse_in_header *h,
		       const struct fbr_args *a)
{
	if (h->opcode <= FUSE_OPCODE_MAX && in_table[h->opcode])
		in_table[h->opcode](e, h, a);
}

/* Replies. */

static void out_entry(struct fbr_emit *e, const struct fbr_args *req,
		      const void *p, size_t len)
{
	struct fuse_entry_out o;

	if (!TAKE(o, p, len))
		return short_reply(e, len);
	entry(e, &o);
}

static void out_attr(struct fbr_emit *e, const struct fbr_args *req,
		     const void *p, size_t len)
{
	struct fuse_attr_out o;

	if (!TAKE(o, p, len))
		return short_reply(e, len);
	fbr_emit_time(e, "attr_valid", o.attr_valid, o.attr_valid_nsec);
	attr(e, "attr", &o.attr);
}

static void out_statx(struct fbr_emit *e, const struct fbr_args *req,
		      const void *p, size_t len)
{
	struct fuse_statx_out o;

	if (!TAKE(o, p, len))
		return short_reply(e, len);
	fbr_emit_time(e, "attr_valid", o.attr_valid, o.attr_valid_nsec);
	fbr_emit_begin(e, "stat");
	fbr_emit_hex(e, "mask", o.stat.mask);
	fbr_emit_u64(e, "ino", o.stat.ino);
	fbr_emit_mode(e, "mode", o.stat.mode);
	fbr_emit_u64(e, "nlink", o.stat.nlink);
	fbr_emit_u64(e, "uid", o.stat.uid);
	fbr_emit_u64(e, "gid", o.stat.gid);
	fbr_emit_u64(e, "size", o.stat.size);
	fbr_emit_u64(e, "blocks", o.stat.blocks);
	fbr_emit_time(e, "mtime", (uint64_t)o.stat.mtime.tv_sec,
		      o.stat.mtime.tv_nsec);
	fbr_emit_time(e, "btime", (uint64_t)o.stat.btime.tv_sec,
		      o.stat.btime.tv_nsec);
	fbr_emit_end(e);
}

static void out_bytes(struct fbr_emit *e, const struct fbr_args *req,
		      const void *p, size_t len)
{
	fbr_emit_u64(e, "bytes", len);
}

static void out_target(struct fbr_emit *e, const struct fbr_args *req,
		       const void *p, size_t len)
{
	fbr_emit_str(e, "target", p, len);
}

static void out_open(struct fbr_emit *e, const struct fbr_args *req,
		     const void *p, size_t len)
{
	struct fuse_open_out o;

	if (!TAKE(o, p, len))
		return short_reply(e, len);
	fbr_emit_hex(e, "fh", o.fh);
	if (o.open_flags)
		fbr_emit_flags(e, "open_flags", o.open_flags, fbr_fopen_flags);
	if (o.open_flags & FOPEN_PASSTHROUGH)
		fbr_emit_i64(e, "backing_id", o.backing_id);
}

static void out_create(struct fbr_emit *e, const struct fbr_args *req,
		       const void *p, size_t len)
{
	struct fuse_entry_out o;

	if (!TAKE(o, p, len))
		return short_reply(e, len);
	entry(e, &o);
	out_open(e, req, (const char *)p + sizeof(o), len - sizeof(o));
}

static void out_write(struct fbr_emit *e, const struct fbr_args *req,
		      const void *p, size_t len)
{
	struct fuse_write_out o;

	if (!TAKE(o, p, len))
		return short_reply(e, len);
	fbr_emit_u64(e, "size", o.size);
}

static void out_statfs(struct fbr_emit *e, const struct fbr_args *req,
		       const void *p, size_t len)
{
	struct fuse_statfs_out o;

	if (!TAKE(o, p, len))
		return short_reply(e, len);
	fbr_emit_u64(e, "blocks", o.st.blocks);
	fbr_emit_u64(e, "bfree", o.st.bfree);
	fbr_emit_u64(e, "bavail", o.st.bavail);
	fbr_emit_u64(e, "files", o.st.files);
	fbr_emit_u64(e, "ffree", o.st.ffree);
	fbr_emit_u64(e, "bsize", o.st.bsize);
	fbr_emit_u64(e, "namelen", o.st.namelen);
	fbr_emit_u64(e, "frsize", o.st.frsize);
}

/* size 0 asked for the length; otherwise the value itself came back. */
static void out_xattr(struct fbr_emit *e, const struct fbr_args *req,
		      const void *p, size_t len)
{
	struct fuse_getxattr_out o;
	uint32_t asked = req ? ((const struct fuse_getxattr_in *)req->in)->size : 1;

	if (asked == 0) {
		if (!TAKE(o, p, len))
			return short_reply(e, len);
		fbr_emit_u64(e, "size", o.size);
	} else {
		fbr_emit_str(e, "value", p, len);
	}
}

static void out_listxattr(struct fbr_emit *e, const struct fbr_args *req,
			  const void *p, size_t len)
{
	const char *s = p, *end = s + len;
	unsigned n = 0;

	if (req && ((const struct fuse_getxattr_in *)req->in)->size == 0)
		return out_xattr(e, req, p, len);
	fbr_emit_list_begin(e, "names");
	while (s < end && n++ < MAX_LISTED) {
		size_t l = strnlen(s, (size_t)(end - s));

		fbr_emit_str(e, NULL, s, l);
		s += l + 1;
	}
	fbr_emit_list_end(e);
}

static void out_init(struct fbr_emit *e, const struct fbr_args *req,
		     const void *p, size_t len)
{
	struct fuse_init_out o = { 0 };

	if (len < 8)
		return short_reply(e, len);
	memcpy(&o, p, len < sizeof(o) ? len : sizeof(o));
	version(e, o.major, o.minor);
	fbr_emit_u64(e, "max_readahead", o.max_readahead);
	fbr_emit_flags(e, "flags", o.flags | (uint64_t)o.flags2 << 32,
		       fbr_init_flags);
	fbr_emit_u64(e, "max_background", o.max_background);
	fbr_emit_u64(e, "congestion_threshold", o.congestion_threshold);
	fbr_emit_u64(e, "max_write", o.max_write);
	fbr_emit_u64(e, "time_gran", o.time_gran);
	fbr_emit_u64(e, "max_pages", o.max_pages);
	if (o.max_stack_depth)
		fbr_emit_u64(e, "max_stack_depth", o.max_stack_depth);
}

static void out_lk(struct fbr_emit *e, const struct fbr_args *req,
		   const void *p, size_t len)
{
	struct fuse_lk_out o;

	if (!TAKE(o, p, len))
		return short_reply(e, len);
	lock(e, &o.lk);
}

static void out_bmap(struct fbr_emit *e, const struct fbr_args *req,
		     const void *p, size_t len)
{
	struct fuse_bmap_out o;

	if (!TAKE(o, p, len))
		return short_reply(e, len);
	fbr_emit_u64(e, "block", o.block);
}

static void out_ioctl(struct fbr_emit *e, const struct fbr_args *req,
		      const void *p, size_t len)
{
	struct fuse_ioctl_out o;

	if (!TAKE(o, p, len))
		return short_reply(e, len);
	fbr_emit_i64(e, "result", o.result);
	if (o.flags)
		fbr_emit_flags(e, "flags", o.flags, fbr_ioctl_flags);
	fbr_emit_u64(e, "out_bytes", len - sizeof(o));
}

static void out_poll(struct fbr_emit *e, const struct fbr_args *req,
		     const void *p, size_t len)
{
	struct fuse_poll_out o;

	if (!TAKE(o, p, len))
		return short_reply(e, len);
	fbr_emit_hex(e, "revents", o.revents);
}

static void out_lseek(struct fbr_emit *e, const struct fbr_args *req,
		      const void *p, size_t len)
{
	struct fuse_lseek_out o;

	if (!TAKE(o, p, len))
		return short_reply(e, len);
	fbr_emit_u64(e, "offset", o.offset);
}

static void out_copied64(struct fbr_emit *e, const struct fbr_args *req,
			 const void *p, size_t len)
{
	struct fuse_copy_file_range_out o;

	if (!TAKE(o, p, len))
		return short_reply(e, len);
	fbr_emit_u64(e, "bytes_copied", o.bytes_copied);
}

static void dirent(struct fbr_emit *e, const struct fuse_dirent *d,
		   const char *rec, size_t head, bool plus)
{
	fbr_emit_begin(e, NULL);
	fbr_emit_str(e, "name", rec + head, d->namelen);
	fbr_emit_u64(e, "ino", d->ino);
	fbr_emit_u64(e, "type", d->type);
	fbr_emit_u64(e, "off", d->off);
	if (plus) {
		struct fuse_entry_out eo;

		memcpy(&eo, rec, sizeof(eo));
		fbr_emit_u64(e, "nodeid", eo.nodeid);
	}
	fbr_emit_end(e);
}

/* Directory listings: each record is checked against what is left. */
static void out_dirents(struct fbr_emit *e, const struct fbr_args *req,
			const void *p, size_t len, bool plus)
{
	size_t head = plus ? FUSE_NAME_OFFSET_DIRENTPLUS : FUSE_NAME_OFFSET;
	const char *s = p;
	size_t off = 0;
	unsigned n = 0;

	fbr_emit_list_begin(e, "entries");
	while (off + head <= len) {
		struct fuse_dirent d;

		memcpy(&d, s + off + head - FUSE_NAME_OFFSET, sizeof(d));
		if (d.namelen > FUSE_NAME_MAX || off + head + d.namelen > len)
			break;
		if (n++ < MAX_LISTED)
			dirent(e, &d, s + off, head, plus);
		off += FUSE_DIRENT_ALIGN(head + d.namelen);
	}
	fbr_emit_list_end(e);
	if (n > MAX_LISTED)
		fbr_emit_u64(e, "entries_total", n);
	if (off < len)
		fbr_emit_u64(e, "trailing_bytes", len - off);
}

static void out_readdir(struct fbr_emit *e, const struct fbr_args *req,
			const void *p, size_t len)
{
	out_dirents(e, req, p, len, false);
}

static void out_readdirplus(struct fbr_emit *e, const struct fbr_args *req,
			    const void *p, size_t len)
{
	out_dirents(e, req, p, len, true);
}

typedef void (*out_fn)(struct fbr_emit *, const struct fbr_args *,
		       const void *, size_t);

static const struct {
	out_fn fn;
	int size; /* -1: varies */
} out_table[FUSE_OPCODE_MAX + 1] = {
	[FUSE_LOOKUP] = { out_entry, sizeof(struct fuse_entry_out) },
	[FUSE_GETATTR] = { out_attr, sizeof(struct fuse_attr_out) },
	[FUSE_SETATTR] = { out_attr, sizeof(struct fuse_attr_out) },
	[FUSE_READLINK] = { out_target, -1 },
	[FUSE_SYMLINK] = { out_entry, sizeof(struct fuse_entry_out) },
	[FUSE_MKNOD] = { out_entry, sizeof(struct fuse_entry_out) },
	[FUSE_MKDIR] = { out_entry, sizeof(struct fuse_entry_out) },
	[FUSE_UNLINK] = { NULL, 0 }, [FUSE_RMDIR] = { NULL, 0 },
	[FUSE_RENAME] = { NULL, 0 },
	[FUSE_LINK] = { out_entry, sizeof(struct fuse_entry_out) },
	[FUSE_OPEN] = { out_open, sizeof(struct fuse_open_out) },
	[FUSE_READ] = { out_bytes, -1 },
	[FUSE_WRITE] = { out_write, sizeof(struct fuse_write_out) },
	[FUSE_STATFS] = { out_statfs, sizeof(struct fuse_statfs_out) },
	[FUSE_RELEASE] = { NULL, 0 }, [FUSE_FSYNC] = { NULL, 0 },
	[FUSE_SETXATTR] = { NULL, 0 },
	[FUSE_GETXATTR] = { out_xattr, -1 },
	[FUSE_LISTXATTR] = { out_listxattr, -1 },
	[FUSE_REMOVEXATTR] = { NULL, 0 }, [FUSE_FLUSH] = { NULL, 0 },
	[FUSE_INIT] = { out_init, sizeof(struct fuse_init_out) },
	[FUSE_OPENDIR] = { out_open, sizeof(struct fuse_open_out) },
	[FUSE_READDIR] = { out_readdir, -1 },
	[FUSE_RELEASEDIR] = { NULL, 0 }, [FUSE_FSYNCDIR] = { NULL, 0 },
	[FUSE_GETLK] = { out_lk, sizeof(struct fuse_lk_out) },
	[FUSE_SETLK] = { NULL, 0 }, [FUSE_SETLKW] = { NULL, 0 },
	[FUSE_ACCESS] = { NULL, 0 },
	[FUSE_CREATE] = { out_create, sizeof(struct fuse_entry_out) +
				      sizeof(struct fuse_open_out) },
	[FUSE_INTERRUPT] = { NULL, 0 },
	[FUSE_BMAP] = { out_bmap, sizeof(struct fuse_bmap_out) },
	[FUSE_DESTROY] = { NULL, 0 },
	[FUSE_IOCTL] = { out_ioctl, -1 },
	[FUSE_POLL] = { out_poll, sizeof(struct fuse_poll_out) },
	[FUSE_FALLOCATE] = { NULL, 0 },
	[FUSE_READDIRPLUS] = { out_readdirplus, -1 },
	[FUSE_RENAME2] = { NULL, 0 },
	[FUSE_LSEEK] = { out_lseek, sizeof(struct fuse_lseek_out) },
	[FUSE_COPY_FILE_RANGE] = { out_write, sizeof(struct fuse_write_out) },
	[FUSE_SETUPMAPPING] = { NULL, 0 }, [FUSE_REMOVEMAPPING] = { NULL, 0 },
	[FUSE_SYNCFS] = { NULL, 0 },
	[FUSE_TMPFILE] = { out_create, sizeof(struct fuse_entry_out) +
				       sizeof(struct fuse_open_out) },
	[FUSE_STATX] = { out_statx, sizeof(struct fuse_statx_out) },
	[FUSE_COPY_FILE_RANGE_64] = { out_copied64,
				      sizeof(struct fuse_copy_file_range_out) },
};

void fbr_describe_reply(struct fbr_emit *e, uint32_t opcode,
			const struct fbr_args *req, const void *p, size_t len)
{
	if (opcode > FUSE_OPCODE_MAX)
		return;
	if (out_table[opcode].fn)
		out_table[opcode].fn(e, req, p, len);
	else if (len)
		fbr_emit_u64(e, "unexpected_bytes", len);
}

long fbr_reply_size(uint32_t opcode, const struct fbr_args *req)
{
	if (opcode > FUSE_OPCODE_MAX || !fbr_opdesc(opcode))
		return -1;
	if ((opcode == FUSE_GETXATTR || opcode == FUSE_LISTXATTR) && req &&
	    ((const struct fuse_getxattr_in *)req->in)->size == 0)
		return sizeof(struct fuse_getxattr_out);
	return out_table[opcode].size;
}

/* Notifications. */

void fbr_describe_notify(struct fbr_emit *e, int code, const void *p,
			 size_t len)
{
	union {
		struct fuse_notify_poll_wakeup_out poll;
		struct fuse_notify_inval_inode_out inode;
		struct fuse_notify_inval_entry_out entry;
		struct fuse_notify_delete_out del;
		struct fuse_notify_store_out store;
		struct fuse_notify_retrieve_out retrieve;
	} u;
	const char *tail = (const char *)p;

	switch (code) {
	case FUSE_NOTIFY_POLL:
		if (!TAKE(u.poll, p, len))
			return short_reply(e, len);
		fbr_emit_hex(e, "kh", u.poll.kh);
		return;
	case FUSE_NOTIFY_INVAL_INODE:
		if (!TAKE(u.inode, p, len))
			return short_reply(e, len);
		fbr_emit_u64(e, "ino", u.inode.ino);
		fbr_emit_i64(e, "off", u.inode.off);
		fbr_emit_i64(e, "len", u.inode.len);
		return;
	case FUSE_NOTIFY_INVAL_ENTRY:
		if (!TAKE(u.entry, p, len))
			return short_reply(e, len);
		fbr_emit_u64(e, "parent", u.entry.parent);
		fbr_emit_str(e, "name", tail + sizeof(u.entry),
			     len - sizeof(u.entry));
		return;
	case FUSE_NOTIFY_DELETE:
		if (!TAKE(u.del, p, len))
			return short_reply(e, len);
		fbr_emit_u64(e, "parent", u.del.parent);
		fbr_emit_u64(e, "child", u.del.child);
		fbr_emit_str(e, "name", tail + sizeof(u.del), len - sizeof(u.del));
		return;
	case FUSE_NOTIFY_STORE:
		if (!TAKE(u.store, p, len))
			return short_reply(e, len);
		fbr_emit_u64(e, "nodeid", u.store.nodeid);
		fbr_emit_u64(e, "offset", u.store.offset);
		fbr_emit_u64(e, "size", u.store.size);
		return;
	case FUSE_NOTIFY_RETRIEVE:
		if (!TAKE(u.retrieve, p, len))
			return short_reply(e, len);
		fbr_emit_u64(e, "notify_unique", u.retrieve.notify_unique);
		fbr_emit_u64(e, "nodeid", u.retrieve.nodeid);
		fbr_emit_u64(e, "offset", u.retrieve.offset);
		fbr_emit_u64(e, "size", u.retrieve.size);
		return;
	default:
		fbr_emit_u64(e, "bytes", len);
	}
}
