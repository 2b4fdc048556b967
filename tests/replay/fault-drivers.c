/*
 * The drivers of the test build of fbr-replay (fbr-replay-faulty): the
 * passthrough driver, and the same with one fault each, to show that a
 * replay catches it.  Each wraps the passthrough's operations table and
 * changes one operation; the passthrough driver itself is untouched.
 *
 *   fault-errno   RMDIR of a directory not empty fails EEXIST, not ENOTEMPTY
 *   fault-size    GETATTR of a regular file says it is a byte longer
 *   fault-dirent  READDIR and READDIRPLUS leave out each reply's first name
 *   fault-data    READ flips a bit of the first byte it reads
 *   fault-forget  the first FORGET is ignored: a lookup count leaks
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "protocol/dirent.h"
#include "tools/fbr-replay/fbr-replay.h"

static const struct fbr_driver_ops *pt;  /* the passthrough's own */
static struct fbr_driver_ops faulty;

const char *const replay_driver_list =
	"passthrough, fault-errno, fault-size, fault-dirent, "
	"fault-data, fault-forget";

static int rmdir_eexist(void *fs, const struct fbr_ctx *c, uint64_t parent,
			const char *name)
{
	int err = pt->rmdir(fs, c, parent, name);

	return err == -ENOTEMPTY ? -EEXIST : err;
}

static int getattr_longer(void *fs, const struct fbr_ctx *c, uint64_t ino,
			  const struct fuse_getattr_in *in,
			  struct fuse_attr_out *out)
{
	int err = pt->getattr(fs, c, ino, in, out);

	if (!err && S_ISREG(out->attr.mode))
		out->attr.size++;
	return err;
}

static bool is_dot(const char *name, uint32_t len)
{
	return name[0] == '.' && (len == 1 || (len == 2 && name[1] == '.'));
}

/* Take the first entry that is not "." or ".." out of what was filled. */
static void drop_first(void *fs, struct fbr_dirbuf *buf)
{
	size_t head = buf->plus ? FUSE_NAME_OFFSET_DIRENTPLUS : FUSE_NAME_OFFSET;
	unsigned char *p = buf->iov[0].iov_base;
	size_t at = 0, len;
	struct fuse_dirent d;

	if (buf->cnt != 1) /* the memory transport gives one buffer */
		return;
	for (; at + head <= buf->used; at += len) {
		memcpy(&d, p + at + head - FUSE_NAME_OFFSET, sizeof(d));
		len = FUSE_DIRENT_ALIGN(head + d.namelen);
		if (is_dot((const char *)p + at + head, d.namelen))
			continue;
		if (buf->plus) { /* the kernel never sees it: no lookup held */
			struct fuse_entry_out e;

			memcpy(&e, p + at, sizeof(e));
			if (e.nodeid)
				pt->forget(fs, e.nodeid, 1);
		}
		memmove(p + at, p + at + len, buf->used - at - len);
		buf->used -= len;
		return;
	}
}

static int readdir_lossy(void *fs, const struct fbr_ctx *c, uint64_t ino,
			 const struct fuse_read_in *in, struct fbr_dirbuf *buf)
{
	int err = pt->readdir(fs, c, ino, in, buf);

	if (!err)
		drop_first(fs, buf);
	return err;
}

static int readdirplus_lossy(void *fs, const struct fbr_ctx *c, uint64_t ino,
			     const struct fuse_read_in *in,
			     struct fbr_dirbuf *buf)
{
	int err = pt->readdirplus(fs, c, ino, in, buf);

	if (!err)
		drop_first(fs, buf);
	return err;
}

static int read_corrupt(void *fs, const struct fbr_ctx *c, uint64_t ino,
			const struct fuse_read_in *in, const struct iovec *dst,
			int dstcnt)
{
	int n = pt->read(fs, c, ino, in, dst, dstcnt);

	if (n > 0 && dstcnt > 0 && dst[0].iov_len)
		*(unsigned char *)dst[0].iov_base ^= 0x20;
	return n;
}

static void forget_once_not(void *fs, uint64_t ino, uint64_t nlookup)
{
	static bool dropped;

	if (!dropped) {
		dropped = true;
		return;
	}
	pt->forget(fs, ino, nlookup);
}

static bool fault(const char *name, struct fbr_driver_ops *ops)
{
	if (!strcmp(name, "fault-errno"))
		ops->rmdir = rmdir_eexist;
	else if (!strcmp(name, "fault-size"))
		ops->getattr = getattr_longer;
	else if (!strcmp(name, "fault-dirent")) {
		ops->readdir = readdir_lossy;
		ops->readdirplus = readdirplus_lossy;
	} else if (!strcmp(name, "fault-data"))
		ops->read = read_corrupt;
	else if (!strcmp(name, "fault-forget"))
		ops->forget = forget_once_not;
	else
		return false;
	return true;
}

bool replay_driver_known(const char *name)
{
	struct fbr_driver_ops scratch;

	return !strcmp(name, "passthrough") || fault(name, &scratch);
}

int replay_driver_new(const char *name, const struct fbr_pt_opts *o,
		      struct replay_driver *out)
{
	int err = replay_passthrough_new(o, out);

	if (err || !strcmp(name, "passthrough"))
		return err;
	pt = out->drv.ops;
	faulty = *pt;
	fault(name, &faulty);
	out->drv.ops = &faulty;
	return 0;
}
