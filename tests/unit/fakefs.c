/*
 * The fake driver behind the dispatcher's golden tests.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "fakefs.h"

struct fake_call fake_last;
int fake_errno;
const struct fbr_driver_ops empty_ops;

#define RECORD(opname, nodeid) \
	do { \
		unsigned f_ = fake_last.forgets, d_ = fake_last.destroys; \
		uint64_t g_ = fake_last.forgotten; \
		memset(&fake_last, 0, sizeof(fake_last)); \
		fake_last.forgets = f_; \
		fake_last.forgotten = g_; \
		fake_last.destroys = d_; \
		fake_last.op = opname; \
		fake_last.ino = nodeid; \
		if (fake_errno) \
			return -fake_errno; \
	} while (0)

static void setname(int i, const char *s)
{
	strncpy(fake_last.name[i], s, sizeof(fake_last.name[i]) - 1);
}

void fake_attr(uint64_t ino, struct fuse_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->ino = ino;
	a->size = 42;
	a->blocks = 8;
	a->mtime = 1700000000;
	a->mode = 0100644;
	a->nlink = 1;
	a->uid = 1000;
	a->gid = 100;
	a->blksize = 4096;
}

void fake_entry(uint64_t ino, struct fuse_entry_out *e)
{
	memset(e, 0, sizeof(*e));
	e->nodeid = ino;
	e->generation = 7;
	e->entry_valid = 1;
	e->attr_valid = 1;
	fake_attr(ino, &e->attr);
}

static int f_init(void *fs, struct fbr_conn *c)
{
	return 0;
}

static void f_destroy(void *fs)
{
	fake_last.destroys++;
}

static int f_lookup(void *fs, const struct fbr_ctx *c, uint64_t parent,
		    const char *name, struct fuse_entry_out *out)
{
	RECORD("lookup", parent);
	setname(0, name);
	fake_last.ctx = *c;
	if (!strcmp(name, "missing"))
		return -ENOENT;
	fake_entry(100 + strlen(name), out);
	return 0;
}

static void f_forget(void *fs, uint64_t ino, uint64_t nlookup)
{
	fake_last.forgets++;
	fake_last.forgotten += nlookup;
}

static int f_getattr(void *fs, const struct fbr_ctx *c, uint64_t ino,
		     const struct fuse_getattr_in *in, struct fuse_attr_out *out)
{
	RECORD("getattr", ino);
	out->attr_valid = 1;
	fake_attr(ino, &out->attr);
	return 0;
}

static int f_setattr(void *fs, const struct fbr_ctx *c, uint64_t ino,
		     const struct fuse_setattr_in *in, struct fuse_attr_out *out)
{
	RECORD("setattr", ino);
	fake_last.flags = in->valid;
	fake_last.value = in->size;
	out->attr_valid = 1;
	fake_attr(ino, &out->attr);
	out->attr.size = in->size;
	return 0;
}

static int f_statx(void *fs, const struct fbr_ctx *c, uint64_t ino,
		   const struct fuse_statx_in *in, struct fuse_statx_out *out)
{
	RECORD("statx", ino);
	fake_last.value = in->sx_mask;
	out->attr_valid = 1;
	out->stat.mask = in->sx_mask;
	out->stat.ino = ino;
	out->stat.size = 42;
	out->stat.mode = 0100644;
	return 0;
}

static int f_readlink(void *fs, const struct fbr_ctx *c, uint64_t ino,
		      char *buf, size_t size)
{
	RECORD("readlink", ino);
	memcpy(buf, "target", 6);
	return 6;
}

static int f_symlink(void *fs, const struct fbr_ctx *c, uint64_t parent,
		     const char *name, const char *target,
		     struct fuse_entry_out *out)
{
	RECORD("symlink", parent);
	setname(0, name);
	setname(1, target);
	fake_entry(200, out);
	out->attr.mode = 0120777;
	return 0;
}

static int f_mknod(void *fs, const struct fbr_ctx *c, uint64_t parent,
		   const char *name, const struct fuse_mknod_in *in,
		   struct fuse_entry_out *out)
{
	RECORD("mknod", parent);
	setname(0, name);
	fake_last.value = in->mode;
	fake_last.ctx = *c;
	fake_entry(201, out);
	out->attr.mode = in->mode;
	return 0;
}

static int f_mkdir(void *fs, const struct fbr_ctx *c, uint64_t parent,
		   const char *name, const struct fuse_mkdir_in *in,
		   struct fuse_entry_out *out)
{
	RECORD("mkdir", parent);
	setname(0, name);
	fake_last.ctx = *c;
	fake_entry(202, out);
	out->attr.mode = 040000 | in->mode;
	return 0;
}

static int f_unlink(void *fs, const struct fbr_ctx *c, uint64_t parent,
		    const char *name)
{
	RECORD("unlink", parent);
	setname(0, name);
	return 0;
}

static int f_rmdir(void *fs, const struct fbr_ctx *c, uint64_t parent,
		   const char *name)
{
	RECORD("rmdir", parent);
	setname(0, name);
	return 0;
}

static int f_rename(void *fs, const struct fbr_ctx *c, uint64_t olddir,
		    const char *oldname, uint64_t newdir, const char *newname,
		    uint32_t flags)
{
	RECORD("rename", olddir);
	setname(0, oldname);
	setname(1, newname);
	fake_last.value = newdir;
	fake_last.flags = flags;
	return 0;
}

static int f_link(void *fs, const struct fbr_ctx *c, uint64_t ino,
		  uint64_t newparent, const char *newname,
		  struct fuse_entry_out *out)
{
	RECORD("link", ino);
	setname(0, newname);
	fake_last.value = newparent;
	fake_entry(ino, out);
	out->attr.nlink = 2;
	return 0;
}

static int f_open(void *fs, const struct fbr_ctx *c, uint64_t ino,
		  const struct fuse_open_in *in, struct fuse_open_out *out)
{
	RECORD("open", ino);
	fake_last.flags = in->flags;
	out->fh = 0x1234;
	out->open_flags = FOPEN_KEEP_CACHE;
	return 0;
}

static int f_create(void *fs, const struct fbr_ctx *c, uint64_t parent,
		    const char *name, const struct fuse_create_in *in,
		    struct fuse_entry_out *entry, struct fuse_open_out *open)
{
	RECORD("create", parent);
	setname(0, name);
	fake_last.flags = in->flags;
	fake_last.ctx = *c;
	fake_entry(203, entry);
	open->fh = 0x5678;
	return 0;
}

static int f_tmpfile(void *fs, const struct fbr_ctx *c, uint64_t parent,
		     const char *name, const struct fuse_create_in *in,
		     struct fuse_entry_out *entry, struct fuse_open_out *open)
{
	RECORD("tmpfile", parent);
	setname(0, name);
	fake_entry(204, entry);
	open->fh = 0x9abc;
	return 0;
}

static int f_read(void *fs, const struct fbr_ctx *c, uint64_t ino,
		  const struct fuse_read_in *in, const struct iovec *dst,
		  int dstcnt)
{
	static const char data[] = "0123456789";
	size_t n = in->size < 10 ? in->size : 10;

	RECORD("read", ino);
	fake_last.value = in->offset;
	if (dstcnt < 1 || dst[0].iov_len < n)
		return -EIO;
	memcpy(dst[0].iov_base, data, n);
	return (int)n;
}

static int f_write(void *fs, const struct fbr_ctx *c, uint64_t ino,
		   const struct fuse_write_in *in, const struct iovec *src,
		   int srccnt)
{
	RECORD("write", ino);
	if (srccnt >= 1 && src[0].iov_len)
		memcpy(fake_last.name[0], src[0].iov_base,
		       src[0].iov_len < 63 ? src[0].iov_len : 63);
	fake_last.value = in->size;
	return (int)in->size;
}

#define FH_OP(fname, opname, type) \
	static int fname(void *fs, const struct fbr_ctx *c, uint64_t ino, \
			 const type *in) \
	{ \
		RECORD(opname, ino); \
		fake_last.value = in->fh; \
		return 0; \
	}

FH_OP(f_flush, "flush", struct fuse_flush_in)
FH_OP(f_release, "release", struct fuse_release_in)
FH_OP(f_fsync, "fsync", struct fuse_fsync_in)
FH_OP(f_fallocate, "fallocate", struct fuse_fallocate_in)
FH_OP(f_releasedir, "releasedir", struct fuse_release_in)
FH_OP(f_fsyncdir, "fsyncdir", struct fuse_fsync_in)

static int f_lseek(void *fs, const struct fbr_ctx *c, uint64_t ino,
		   const struct fuse_lseek_in *in, struct fuse_lseek_out *out)
{
	RECORD("lseek", ino);
	out->offset = in->offset + 4096;
	return 0;
}

static int f_copy_file_range(void *fs, const struct fbr_ctx *c, uint64_t ino,
			     const struct fuse_copy_file_range_in *in,
			     uint64_t *copied)
{
	RECORD("copy_file_range", ino);
	*copied = in->len;
	return 0;
}

static int f_ioctl(void *fs, const struct fbr_ctx *c, uint64_t ino,
		   const struct fuse_ioctl_in *in, const void *in_data,
		   void *out_data, int32_t *result)
{
	RECORD("ioctl", ino);
	fake_last.value = in->cmd;
	*result = 5;
	if (in->out_size >= 4)
		memcpy(out_data, "abcd", 4);
	return in->out_size >= 4 ? 4 : 0;
}

static int f_opendir(void *fs, const struct fbr_ctx *c, uint64_t ino,
		     const struct fuse_open_in *in, struct fuse_open_out *out)
{
	RECORD("opendir", ino);
	out->fh = 0x4321;
	return 0;
}

/* Three entries at offsets 1, 2, 3; resumes after in->offset. */
static int f_readdir(void *fs, const struct fbr_ctx *c, uint64_t ino,
		     const struct fuse_read_in *in, struct fbr_dirbuf *buf)
{
	static const char *names[] = { ".", "..", "file" };

	RECORD("readdir", ino);
	for (uint64_t i = in->offset; i < 3; i++)
		if (fbr_dirbuf_add(buf, names[i], 10 + i, i == 2 ? 8 : 4, i + 1))
			break;
	return 0;
}

static int f_readdirplus(void *fs, const struct fbr_ctx *c, uint64_t ino,
			 const struct fuse_read_in *in, struct fbr_dirbuf *buf)
{
	struct fuse_entry_out e;

	RECORD("readdirplus", ino);
	if (in->offset > 0)
		return 0;
	fake_entry(300, &e);
	fbr_dirbuf_add_plus(buf, "file", &e, 1);
	return 0;
}

static int f_statfs(void *fs, const struct fbr_ctx *c, uint64_t ino,
		    struct fuse_kstatfs *out)
{
	RECORD("statfs", ino);
	out->blocks = 1000;
	out->bsize = 4096;
	out->namelen = 255;
	return 0;
}

static int f_access(void *fs, const struct fbr_ctx *c, uint64_t ino,
		    uint32_t mask)
{
	RECORD("access", ino);
	fake_last.flags = mask;
	return 0;
}

static int f_setxattr(void *fs, const struct fbr_ctx *c, uint64_t ino,
		      const struct fuse_setxattr_in *in, const char *name,
		      const void *value)
{
	RECORD("setxattr", ino);
	setname(0, name);
	memcpy(fake_last.name[1], value, in->size < 63 ? in->size : 63);
	fake_last.flags = in->setxattr_flags;
	fake_last.value = in->size;
	return 0;
}

static int f_getxattr(void *fs, const struct fbr_ctx *c, uint64_t ino,
		      const char *name, void *buf, size_t size)
{
	RECORD("getxattr", ino);
	setname(0, name);
	if (size && size < 5)
		return -ERANGE;
	if (size)
		memcpy(buf, "value", 5);
	return 5;
}

static int f_listxattr(void *fs, const struct fbr_ctx *c, uint64_t ino,
		       char *buf, size_t size)
{
	RECORD("listxattr", ino);
	if (size && size < 8)
		return -ERANGE;
	if (size)
		memcpy(buf, "user.a\0", 8);
	return 8;
}

static int f_removexattr(void *fs, const struct fbr_ctx *c, uint64_t ino,
			 const char *name)
{
	RECORD("removexattr", ino);
	setname(0, name);
	return 0;
}

static int f_getlk(void *fs, const struct fbr_ctx *c, uint64_t ino,
		   const struct fuse_lk_in *in, struct fuse_lk_out *out)
{
	RECORD("getlk", ino);
	out->lk = in->lk;
	out->lk.type = 2; /* F_UNLCK */
	return 0;
}

/* SETLKW with owner 99 blocks until interrupted, as a real lock wait would. */
static pthread_mutex_t lk_lock = PTHREAD_MUTEX_INITIALIZER;
atomic_int fake_waiting;
static pthread_cond_t lk_cond = PTHREAD_COND_INITIALIZER;

static void wake(void *arg)
{
	pthread_mutex_lock(&lk_lock);
	pthread_cond_broadcast(&lk_cond);
	pthread_mutex_unlock(&lk_lock);
}

struct fbr_req *fake_deferred;
int fake_cancels;

static void count_cancel(void *arg)
{
	fake_cancels++;
}

static int f_setlk(void *fs, const struct fbr_ctx *c, uint64_t ino,
		   const struct fuse_lk_in *in, bool sleep)
{
	int err = 0;

	if (sleep && in->owner == 77) { /* waits without holding the worker */
		fake_deferred = fbr_req_defer(c->req);
		if (!fake_deferred)
			return -ENOLCK;
		fbr_req_set_interruptible(fake_deferred, count_cancel, NULL);
		return FBR_DEFERRED;
	}
	if (!(sleep && in->owner == 99)) {
		RECORD("setlk", ino);
		fake_last.flags = sleep;
		return 0;
	}
	pthread_mutex_lock(&lk_lock);
	fbr_req_set_interruptible(c->req, wake, NULL);
	atomic_store(&fake_waiting, 1);
	while (!fbr_req_interrupted(c->req))
		pthread_cond_wait(&lk_cond, &lk_lock);
	err = -EINTR;
	pthread_mutex_unlock(&lk_lock);
	fbr_req_clear_interruptible(c->req);
	return err;
}

static int f_syncfs(void *fs, const struct fbr_ctx *c, uint64_t ino)
{
	RECORD("syncfs", ino);
	return 0;
}

const struct fbr_driver_ops fake_ops = {
	.init = f_init, .destroy = f_destroy, .lookup = f_lookup,
	.forget = f_forget, .getattr = f_getattr, .setattr = f_setattr,
	.statx = f_statx, .readlink = f_readlink, .symlink = f_symlink,
	.mknod = f_mknod, .mkdir = f_mkdir, .unlink = f_unlink,
	.rmdir = f_rmdir, .rename = f_rename, .link = f_link, .open = f_open,
	.create = f_create, .tmpfile = f_tmpfile, .read = f_read,
	.write = f_write, .flush = f_flush, .release = f_release,
	.fsync = f_fsync, .fallocate = f_fallocate, .lseek = f_lseek,
	.copy_file_range = f_copy_file_range, .ioctl = f_ioctl,
	.opendir = f_opendir, .readdir = f_readdir,
	.readdirplus = f_readdirplus, .releasedir = f_releasedir,
	.fsyncdir = f_fsyncdir, .statfs = f_statfs, .access = f_access,
	.setxattr = f_setxattr, .getxattr = f_getxattr,
	.listxattr = f_listxattr, .removexattr = f_removexattr,
	.getlk = f_getlk, .setlk = f_setlk, .syncfs = f_syncfs,
};
