/*
 * Handlers for attributes, links, xattrs, locks and the filesystem as a
 * whole.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "server/request.h"

#define XATTR_MAX 65536 /* the largest value or list Linux allows */

int fbr_do_getattr(struct fbr_req *r)
{
	struct fuse_attr_out out = { 0 };
	int err;

	FBR_NEED(r, getattr);
	err = FBR_OPS(r)->getattr(FBR_FS(r), &r->ctx, r->h->nodeid,
				  FBR_IN(r, struct fuse_getattr_in), &out);
	return err ? fbr_reply_err(r, err) : fbr_reply_ok(r, &out, sizeof(out));
}

int fbr_do_setattr(struct fbr_req *r)
{
	struct fuse_attr_out out = { 0 };
	int err;

	FBR_NEED(r, setattr);
	err = FBR_OPS(r)->setattr(FBR_FS(r), &r->ctx, r->h->nodeid,
				  FBR_IN(r, struct fuse_setattr_in), &out);
	return err ? fbr_reply_err(r, err) : fbr_reply_ok(r, &out, sizeof(out));
}

int fbr_do_statx(struct fbr_req *r)
{
	struct fuse_statx_out out = { 0 };
	int err;

	FBR_NEED(r, statx);
	err = FBR_OPS(r)->statx(FBR_FS(r), &r->ctx, r->h->nodeid,
				FBR_IN(r, struct fuse_statx_in), &out);
	return err ? fbr_reply_err(r, err) : fbr_reply_ok(r, &out, sizeof(out));
}

int fbr_do_readlink(struct fbr_req *r)
{
	char buf[PATH_MAX];
	int n;

	FBR_NEED(r, readlink);
	n = FBR_OPS(r)->readlink(FBR_FS(r), &r->ctx, r->h->nodeid, buf,
				 sizeof(buf));
	if (n > (int)sizeof(buf))
		n = -EIO;
	return n < 0 ? fbr_reply_err(r, n) : fbr_reply_ok(r, buf, (size_t)n);
}

int fbr_do_access(struct fbr_req *r)
{
	FBR_NEED(r, access);
	return fbr_reply_err(r, FBR_OPS(r)->access(FBR_FS(r), &r->ctx,
			     r->h->nodeid,
			     FBR_IN(r, struct fuse_access_in)->mask));
}

int fbr_do_statfs(struct fbr_req *r)
{
	struct fuse_statfs_out out = { 0 };
	int err;

	FBR_NEED(r, statfs);
	err = FBR_OPS(r)->statfs(FBR_FS(r), &r->ctx, r->h->nodeid, &out.st);
	return err ? fbr_reply_err(r, err) : fbr_reply_ok(r, &out, sizeof(out));
}

int fbr_do_setxattr(struct fbr_req *r)
{
	struct fuse_setxattr_in in = { 0 };

	FBR_NEED(r, setxattr);
	memcpy(&in, r->a.in, r->a.insize);
	return fbr_reply_err(r, FBR_OPS(r)->setxattr(FBR_FS(r), &r->ctx,
			     r->h->nodeid, &in, r->a.name[0], r->a.tail));
}

/* GETXATTR and LISTXATTR: size 0 asks for the length, else the bytes. */
static int reply_sized(struct fbr_req *r, uint32_t size, int n, void *buf)
{
	struct fuse_getxattr_out out = { .size = (uint32_t)n };

	if (n < 0)
		return fbr_reply_err(r, n);
	if (size == 0)
		return fbr_reply_ok(r, &out, sizeof(out));
	if ((uint32_t)n > size)
		return fbr_reply_err(r, -ERANGE);
	return fbr_reply_ok(r, buf, (size_t)n);
}

static int xattr_read(struct fbr_req *r, const char *name)
{
	uint32_t size = FBR_IN(r, struct fuse_getxattr_in)->size;
	void *buf = NULL;
	int n, ret;

	if (size > XATTR_MAX)
		size = XATTR_MAX;
	if (size && !(buf = malloc(size)))
		return fbr_reply_err(r, -ENOMEM);
	if (name)
		n = FBR_OPS(r)->getxattr(FBR_FS(r), &r->ctx, r->h->nodeid,
					 name, buf, size);
	else
		n = FBR_OPS(r)->listxattr(FBR_FS(r), &r->ctx, r->h->nodeid,
					  buf, size);
	ret = reply_sized(r, size, n, buf);
	free(buf);
	return ret;
}

int fbr_do_getxattr(struct fbr_req *r)
{
	FBR_NEED(r, getxattr);
	return xattr_read(r, r->a.name[0]);
}

int fbr_do_listxattr(struct fbr_req *r)
{
	FBR_NEED(r, listxattr);
	return xattr_read(r, NULL);
}

int fbr_do_removexattr(struct fbr_req *r)
{
	FBR_NEED(r, removexattr);
	return fbr_reply_err(r, FBR_OPS(r)->removexattr(FBR_FS(r), &r->ctx,
			     r->h->nodeid, r->a.name[0]));
}

int fbr_do_getlk(struct fbr_req *r)
{
	struct fuse_lk_out out = { 0 };
	int err;

	FBR_NEED(r, getlk);
	err = FBR_OPS(r)->getlk(FBR_FS(r), &r->ctx, r->h->nodeid,
				FBR_IN(r, struct fuse_lk_in), &out);
	return err ? fbr_reply_err(r, err) : fbr_reply_ok(r, &out, sizeof(out));
}

int fbr_do_setlk(struct fbr_req *r)
{
	int err;

	FBR_NEED(r, setlk);
	err = FBR_OPS(r)->setlk(FBR_FS(r), &r->ctx, r->h->nodeid,
				FBR_IN(r, struct fuse_lk_in),
				r->h->opcode == FUSE_SETLKW);
	return err == FBR_DEFERRED ? 0 : fbr_reply_err(r, err);
}

int fbr_do_syncfs(struct fbr_req *r)
{
	FBR_NEED(r, syncfs);
	return fbr_reply_err(r, FBR_OPS(r)->syncfs(FBR_FS(r), &r->ctx,
			     r->h->nodeid));
}
