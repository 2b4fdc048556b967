/*
 * Handlers for open files: open and create, data in and out, and the
 * operations on an open handle.
 */
#include <errno.h>
#include <stdlib.h>

#include "server/request.h"

#define MAX_DATA_IOV 260 /* a 1 MiB transfer in 4 KiB guest pages, and more */

static int reply_open(struct fbr_req *r, int err, const struct fuse_open_out *o)
{
	return err ? fbr_reply_err(r, err) : fbr_reply_ok(r, o, sizeof(*o));
}

int fbr_do_open(struct fbr_req *r)
{
	struct fuse_open_out out = { 0 };

	FBR_NEED(r, open);
	return reply_open(r, FBR_OPS(r)->open(FBR_FS(r), &r->ctx, r->h->nodeid,
			  FBR_IN(r, struct fuse_open_in), &out), &out);
}

static int reply_create(struct fbr_req *r, int err,
			const struct fuse_entry_out *e,
			const struct fuse_open_out *o)
{
	if (err)
		return fbr_reply_err(r, err);
	return fbr_reply_two(r, e, sizeof(*e), o, sizeof(*o));
}

int fbr_do_create(struct fbr_req *r)
{
	struct fuse_entry_out e = { 0 };
	struct fuse_open_out o = { 0 };

	FBR_NEED(r, create);
	return reply_create(r, FBR_OPS(r)->create(FBR_FS(r), &r->ctx,
			    r->h->nodeid, r->a.name[0],
			    FBR_IN(r, struct fuse_create_in), &e, &o), &e, &o);
}

int fbr_do_tmpfile(struct fbr_req *r)
{
	struct fuse_entry_out e = { 0 };
	struct fuse_open_out o = { 0 };

	FBR_NEED(r, tmpfile);
	return reply_create(r, FBR_OPS(r)->tmpfile(FBR_FS(r), &r->ctx,
			    r->h->nodeid, r->a.name[0],
			    FBR_IN(r, struct fuse_create_in), &e, &o), &e, &o);
}

int fbr_do_read(struct fbr_req *r)
{
	const struct fuse_read_in *in = FBR_IN(r, struct fuse_read_in);
	struct iovec iov[MAX_DATA_IOV];
	int cnt, n;

	FBR_NEED(r, read);
	cnt = r->sink->ops->payload(r->sink, sizeof(struct fuse_out_header),
				    in->size, iov, MAX_DATA_IOV);
	if (cnt < 0)
		return fbr_reply_err(r, cnt);
	n = FBR_OPS(r)->read(FBR_FS(r), &r->ctx, r->h->nodeid, in, iov, cnt);
	if (n < 0)
		return fbr_reply_err(r, n);
	if ((uint32_t)n > in->size)
		return fbr_reply_err(r, -EIO);
	return fbr_reply_placed(r, 0, NULL, (size_t)n);
}

/* The payload: after the argument struct, or apart from it (virtio). */
static int write_source(struct fbr_req *r, uint32_t size,
			struct iovec *iov, int *cnt)
{
	size_t total = 0;

	if (!r->m->data) {
		iov[0] = (struct iovec){ (void *)r->a.tail, r->a.taillen };
		*cnt = 1;
		return 0;
	}
	if (r->m->datacnt > MAX_DATA_IOV)
		return -EINVAL;
	for (int i = 0; i < r->m->datacnt; i++) {
		iov[i] = r->m->data[i];
		total += iov[i].iov_len;
	}
	*cnt = r->m->datacnt;
	return total == size ? 0 : -EINVAL;
}

int fbr_do_write(struct fbr_req *r)
{
	const struct fuse_write_in *in = FBR_IN(r, struct fuse_write_in);
	struct fuse_write_out out = { 0 };
	struct iovec iov[MAX_DATA_IOV];
	int cnt, n;

	FBR_NEED(r, write);
	n = write_source(r, in->size, iov, &cnt);
	if (n)
		return fbr_reply_err(r, n);
	n = FBR_OPS(r)->write(FBR_FS(r), &r->ctx, r->h->nodeid, in, iov, cnt);
	if (n < 0)
		return fbr_reply_err(r, n);
	if ((uint32_t)n > in->size)
		return fbr_reply_err(r, -EIO);
	out.size = (uint32_t)n;
	return fbr_reply_ok(r, &out, sizeof(out));
}

int fbr_do_flush(struct fbr_req *r)
{
	FBR_NEED(r, flush);
	return fbr_reply_err(r, FBR_OPS(r)->flush(FBR_FS(r), &r->ctx,
			     r->h->nodeid, FBR_IN(r, struct fuse_flush_in)));
}

int fbr_do_release(struct fbr_req *r)
{
	FBR_NEED(r, release);
	return fbr_reply_err(r, FBR_OPS(r)->release(FBR_FS(r), &r->ctx,
			     r->h->nodeid, FBR_IN(r, struct fuse_release_in)));
}

int fbr_do_fsync(struct fbr_req *r)
{
	FBR_NEED(r, fsync);
	return fbr_reply_err(r, FBR_OPS(r)->fsync(FBR_FS(r), &r->ctx,
			     r->h->nodeid, FBR_IN(r, struct fuse_fsync_in)));
}

int fbr_do_fallocate(struct fbr_req *r)
{
	FBR_NEED(r, fallocate);
	return fbr_reply_err(r, FBR_OPS(r)->fallocate(FBR_FS(r), &r->ctx,
			     r->h->nodeid,
			     FBR_IN(r, struct fuse_fallocate_in)));
}

int fbr_do_lseek(struct fbr_req *r)
{
	struct fuse_lseek_out out = { 0 };
	int err;

	FBR_NEED(r, lseek);
	err = FBR_OPS(r)->lseek(FBR_FS(r), &r->ctx, r->h->nodeid,
				FBR_IN(r, struct fuse_lseek_in), &out);
	return err ? fbr_reply_err(r, err) : fbr_reply_ok(r, &out, sizeof(out));
}

/* COPY_FILE_RANGE answers a 32-bit count, COPY_FILE_RANGE_64 a 64-bit one. */
int fbr_do_copy_file_range(struct fbr_req *r)
{
	uint64_t copied = 0;
	int err;

	FBR_NEED(r, copy_file_range);
	err = FBR_OPS(r)->copy_file_range(FBR_FS(r), &r->ctx, r->h->nodeid,
			FBR_IN(r, struct fuse_copy_file_range_in), &copied);
	if (err)
		return fbr_reply_err(r, err);
	if (r->h->opcode == FUSE_COPY_FILE_RANGE) {
		struct fuse_write_out out = {
			.size = copied > UINT32_MAX ? UINT32_MAX : (uint32_t)copied
		};
		return fbr_reply_ok(r, &out, sizeof(out));
	}
	struct fuse_copy_file_range_out out64 = { .bytes_copied = copied };
	return fbr_reply_ok(r, &out64, sizeof(out64));
}

/* Only restricted ioctls: the kernel has sent all the input there is. */
int fbr_do_ioctl(struct fbr_req *r)
{
	const struct fuse_ioctl_in *in = FBR_IN(r, struct fuse_ioctl_in);
	struct fuse_ioctl_out out = { 0 };
	void *buf = NULL;
	int n, ret;

	if (!FBR_OPS(r)->ioctl || (in->flags & FUSE_IOCTL_UNRESTRICTED))
		return fbr_reply_err(r, -ENOTTY);
	if (in->out_size > r->s->conn.max_write)
		return fbr_reply_err(r, -EINVAL);
	if (in->out_size && !(buf = calloc(1, in->out_size)))
		return fbr_reply_err(r, -ENOMEM);
	n = FBR_OPS(r)->ioctl(FBR_FS(r), &r->ctx, r->h->nodeid, in, r->a.tail,
			      buf, &out.result);
	if (n < 0)
		ret = fbr_reply_err(r, n);
	else if ((uint32_t)n > in->out_size)
		ret = fbr_reply_err(r, -EIO);
	else
		ret = fbr_reply_two(r, &out, sizeof(out), buf, (size_t)n);
	free(buf);
	return ret;
}

int fbr_do_poll(struct fbr_req *r)
{
	struct fuse_poll_out out = { 0 };
	int err;

	FBR_NEED(r, poll);
	err = FBR_OPS(r)->poll(FBR_FS(r), &r->ctx, r->h->nodeid,
			       FBR_IN(r, struct fuse_poll_in), &out.revents);
	return err ? fbr_reply_err(r, err) : fbr_reply_ok(r, &out, sizeof(out));
}
