/*
 * Handlers for open directories.
 */
#include <errno.h>

#include "protocol/dirent.h"
#include "server/request.h"

int fbr_do_opendir(struct fbr_req *r)
{
	struct fuse_open_out out = { 0 };
	int err;

	FBR_NEED(r, opendir);
	err = FBR_OPS(r)->opendir(FBR_FS(r), &r->ctx, r->h->nodeid,
				  FBR_IN(r, struct fuse_open_in), &out);
	return err ? fbr_reply_err(r, err) : fbr_reply_ok(r, &out, sizeof(out));
}

/* READDIR and READDIRPLUS: entries are encoded straight into the reply. */
int fbr_do_readdir(struct fbr_req *r)
{
	const struct fuse_read_in *in = FBR_IN(r, struct fuse_read_in);
	bool plus = r->h->opcode == FUSE_READDIRPLUS;
	struct iovec iov[FBR_DIRBUF_MAXIOV];
	struct fbr_dirbuf buf;
	int cnt, err;

	if (plus)
		FBR_NEED(r, readdirplus);
	else
		FBR_NEED(r, readdir);
	cnt = r->sink->ops->payload(r->sink, sizeof(struct fuse_out_header),
				    in->size, iov, FBR_DIRBUF_MAXIOV);
	if (cnt < 0)
		return fbr_reply_err(r, cnt);
	fbr_dirbuf_init(&buf, iov, cnt, in->size, plus);
	if (plus)
		err = FBR_OPS(r)->readdirplus(FBR_FS(r), &r->ctx, r->h->nodeid,
					      in, &buf);
	else
		err = FBR_OPS(r)->readdir(FBR_FS(r), &r->ctx, r->h->nodeid,
					  in, &buf);
	if (err)
		return fbr_reply_err(r, err);
	return fbr_reply_placed(r, 0, NULL, buf.used);
}

int fbr_do_releasedir(struct fbr_req *r)
{
	FBR_NEED(r, releasedir);
	return fbr_reply_err(r, FBR_OPS(r)->releasedir(FBR_FS(r), &r->ctx,
			     r->h->nodeid, FBR_IN(r, struct fuse_release_in)));
}

int fbr_do_fsyncdir(struct fbr_req *r)
{
	FBR_NEED(r, fsyncdir);
	return fbr_reply_err(r, FBR_OPS(r)->fsyncdir(FBR_FS(r), &r->ctx,
			     r->h->nodeid, FBR_IN(r, struct fuse_fsync_in)));
}
