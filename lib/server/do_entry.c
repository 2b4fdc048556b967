/*
 * Handlers for the namespace: lookup, forget, and the operations that add,
 * remove or rename directory entries.
 */
#include <errno.h>
#include <string.h>

#include "server/request.h"

static int reply_entry(struct fbr_req *r, int err,
		       const struct fuse_entry_out *e)
{
	return err ? fbr_reply_err(r, err) : fbr_reply_ok(r, e, sizeof(*e));
}

int fbr_do_lookup(struct fbr_req *r)
{
	struct fuse_entry_out e = { 0 };

	FBR_NEED(r, lookup);
	return reply_entry(r, FBR_OPS(r)->lookup(FBR_FS(r), &r->ctx,
			   r->h->nodeid, r->a.name[0], &e), &e);
}

int fbr_do_forget(struct fbr_req *r)
{
	if (FBR_OPS(r)->forget)
		FBR_OPS(r)->forget(FBR_FS(r), r->h->nodeid,
				   FBR_IN(r, struct fuse_forget_in)->nlookup);
	return 0;
}

int fbr_do_batch_forget(struct fbr_req *r)
{
	const char *p = r->a.tail;

	if (!FBR_OPS(r)->forget)
		return 0;
	for (uint32_t i = 0; i < r->a.taillen / sizeof(struct fuse_forget_one); i++) {
		struct fuse_forget_one one;

		memcpy(&one, p + i * sizeof(one), sizeof(one));
		FBR_OPS(r)->forget(FBR_FS(r), one.nodeid, one.nlookup);
	}
	return 0;
}

int fbr_do_mknod(struct fbr_req *r)
{
	struct fuse_entry_out e = { 0 };

	FBR_NEED(r, mknod);
	return reply_entry(r, FBR_OPS(r)->mknod(FBR_FS(r), &r->ctx,
			   r->h->nodeid, r->a.name[0],
			   FBR_IN(r, struct fuse_mknod_in), &e), &e);
}

int fbr_do_mkdir(struct fbr_req *r)
{
	struct fuse_entry_out e = { 0 };

	FBR_NEED(r, mkdir);
	return reply_entry(r, FBR_OPS(r)->mkdir(FBR_FS(r), &r->ctx,
			   r->h->nodeid, r->a.name[0],
			   FBR_IN(r, struct fuse_mkdir_in), &e), &e);
}

int fbr_do_symlink(struct fbr_req *r)
{
	struct fuse_entry_out e = { 0 };

	FBR_NEED(r, symlink);
	return reply_entry(r, FBR_OPS(r)->symlink(FBR_FS(r), &r->ctx,
			   r->h->nodeid, r->a.name[0], r->a.name[1], &e), &e);
}

int fbr_do_link(struct fbr_req *r)
{
	struct fuse_entry_out e = { 0 };

	FBR_NEED(r, link);
	return reply_entry(r, FBR_OPS(r)->link(FBR_FS(r), &r->ctx,
			   FBR_IN(r, struct fuse_link_in)->oldnodeid,
			   r->h->nodeid, r->a.name[0], &e), &e);
}

int fbr_do_unlink(struct fbr_req *r)
{
	FBR_NEED(r, unlink);
	return fbr_reply_err(r, FBR_OPS(r)->unlink(FBR_FS(r), &r->ctx,
			     r->h->nodeid, r->a.name[0]));
}

int fbr_do_rmdir(struct fbr_req *r)
{
	FBR_NEED(r, rmdir);
	return fbr_reply_err(r, FBR_OPS(r)->rmdir(FBR_FS(r), &r->ctx,
			     r->h->nodeid, r->a.name[0]));
}

static int rename_common(struct fbr_req *r, uint64_t newdir, uint32_t flags)
{
	FBR_NEED(r, rename);
	return fbr_reply_err(r, FBR_OPS(r)->rename(FBR_FS(r), &r->ctx,
			     r->h->nodeid, r->a.name[0], newdir,
			     r->a.name[1], flags));
}

int fbr_do_rename(struct fbr_req *r)
{
	return rename_common(r, FBR_IN(r, struct fuse_rename_in)->newdir, 0);
}

int fbr_do_rename2(struct fbr_req *r)
{
	const struct fuse_rename2_in *in = FBR_IN(r, struct fuse_rename2_in);

	return rename_common(r, in->newdir, in->flags);
}
