/*
 * hello: the smallest useful fbr driver.  A read-only filesystem holding
 * one file, "hello", whose content never changes.  Nodeids are fixed: the
 * root is FUSE_ROOT_ID, the file is 2, so there is nothing to look up in
 * a table and FORGET has nothing to do.
 *
 *   hello /mnt && cat /mnt/hello && umount /mnt
 *   hello --vhost-user /run/hello.sock     (then a VMM with vhost-user-fs)
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include <fbr/driver.h>

#include "serve.h"

#define HELLO_ID 2

static const char content[] = "Hello, world!\n";

/* The kernel may keep names and attributes this long: they never change. */
#define TIMEOUT 3600

static void fill_attr(uint64_t ino, struct fuse_attr *a)
{
	memset(a, 0, sizeof(*a));
	a->ino = ino;
	a->blksize = 4096;
	if (ino == FUSE_ROOT_ID) {
		a->mode = S_IFDIR | 0555;
		a->nlink = 2;
	} else {
		a->mode = S_IFREG | 0444;
		a->nlink = 1;
		a->size = sizeof(content) - 1;
		a->blocks = 1;
	}
}

static int hello_lookup(void *fs, const struct fbr_ctx *c, uint64_t parent,
			const char *name, struct fuse_entry_out *out)
{
	if (parent != FUSE_ROOT_ID || strcmp(name, "hello"))
		return -ENOENT;
	out->nodeid = HELLO_ID;
	out->entry_valid = TIMEOUT;
	out->attr_valid = TIMEOUT;
	fill_attr(HELLO_ID, &out->attr);
	return 0;
}

static int hello_getattr(void *fs, const struct fbr_ctx *c, uint64_t ino,
			 const struct fuse_getattr_in *in,
			 struct fuse_attr_out *out)
{
	out->attr_valid = TIMEOUT;
	fill_attr(ino, &out->attr);
	return 0;
}

static int hello_open(void *fs, const struct fbr_ctx *c, uint64_t ino,
		      const struct fuse_open_in *in, struct fuse_open_out *out)
{
	if ((in->flags & O_ACCMODE) != O_RDONLY)
		return -EROFS;
	out->open_flags = FOPEN_KEEP_CACHE; /* the page cache stays valid */
	return 0;
}

/* The part of content at in->offset, in->size bytes at most. */
static int hello_read(void *fs, const struct fbr_ctx *c, uint64_t ino,
		      const struct fuse_read_in *in, const struct iovec *dst,
		      int dstcnt)
{
	size_t len = sizeof(content) - 1;

	if (in->offset >= len)
		return 0;
	len -= in->offset;
	return (int)fbr_iov_from_buf(dst, dstcnt, content + in->offset,
				     len < in->size ? len : in->size);
}

static int hello_opendir(void *fs, const struct fbr_ctx *c, uint64_t ino,
			 const struct fuse_open_in *in, struct fuse_open_out *out)
{
	return ino == FUSE_ROOT_ID ? 0 : -ENOTDIR;
}

/* Three entries at offsets 1, 2, 3: each says where the next one is. */
static int hello_readdir(void *fs, const struct fbr_ctx *c, uint64_t ino,
			 const struct fuse_read_in *in, struct fbr_dirbuf *buf)
{
	static const struct { const char *name; uint64_t ino; uint32_t type; }
	ents[] = { { ".", FUSE_ROOT_ID, DT_DIR }, { "..", FUSE_ROOT_ID, DT_DIR },
		   { "hello", HELLO_ID, DT_REG } };

	for (uint64_t i = in->offset; i < 3; i++)
		if (fbr_dirbuf_add(buf, ents[i].name, ents[i].ino,
				   ents[i].type, i + 1))
			break; /* full: the kernel asks again from i */
	return 0;
}

static const struct fbr_driver_ops hello_ops = {
	.lookup = hello_lookup,
	.getattr = hello_getattr,
	.open = hello_open,
	.read = hello_read,
	.opendir = hello_opendir,
	.readdir = hello_readdir,
};

int main(int argc, char **argv)
{
	struct fbr_driver drv = { .ops = &hello_ops, .fs = NULL };

	return serve_main(argc, argv, "hello", &drv);
}
