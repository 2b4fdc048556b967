/*
 * Where the ids of one run lie in a message: the nodeids and file
 * handles a request names (rewritten before it is replayed, and the keys
 * that order jobs on threads), and those a reply gives out (learned).
 * The layouts are the ABI's; the request's arguments were found by the
 * decoder's parse, so they are whole.
 */
#include <stddef.h>
#include <string.h>

#include "replay.h"

uint64_t load_u64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

void store_u64(unsigned char *p, uint64_t v)
{
	memcpy(p, &v, sizeof(v));
}

uint64_t job_recorded(const struct job *j, const char *what)
{
	for (unsigned i = 0; i < j->nids; i++)
		if (!strcmp(j->ids[i].what, what))
			return j->ids[i].rec;
	return 0;
}

static uint32_t load_u32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

#define AT(type, field) (in + offsetof(type, field))

/* Requests whose handle is the first field of their argument struct. */
static bool fh_first(uint32_t opcode)
{
	switch (opcode) {
	case FUSE_READ: case FUSE_WRITE: case FUSE_RELEASE: case FUSE_FLUSH:
	case FUSE_FSYNC: case FUSE_READDIR: case FUSE_READDIRPLUS:
	case FUSE_RELEASEDIR: case FUSE_FSYNCDIR: case FUSE_GETLK:
	case FUSE_SETLK: case FUSE_SETLKW: case FUSE_IOCTL: case FUSE_POLL:
	case FUSE_FALLOCATE: case FUSE_LSEEK: case FUSE_SETUPMAPPING:
		return true;
	default:
		return false;
	}
}

/* The ids among the arguments of requests that name more than one. */
static void arg_ids(struct job *j, unsigned char *in, id_fn fn, void *ctx)
{
	switch (j->in.opcode) {
	case FUSE_GETATTR:
		if (load_u32(AT(struct fuse_getattr_in, getattr_flags)) &
		    FUSE_GETATTR_FH)
			fn(ctx, ID_FH, "fh", AT(struct fuse_getattr_in, fh));
		return;
	case FUSE_STATX:
		if (load_u32(AT(struct fuse_statx_in, getattr_flags)) &
		    FUSE_GETATTR_FH)
			fn(ctx, ID_FH, "fh", AT(struct fuse_statx_in, fh));
		return;
	case FUSE_SETATTR:
		if (load_u32(AT(struct fuse_setattr_in, valid)) & FATTR_FH)
			fn(ctx, ID_FH, "fh", AT(struct fuse_setattr_in, fh));
		return;
	case FUSE_RENAME:
		fn(ctx, ID_NODE, "newdir", AT(struct fuse_rename_in, newdir));
		return;
	case FUSE_RENAME2:
		fn(ctx, ID_NODE, "newdir", AT(struct fuse_rename2_in, newdir));
		return;
	case FUSE_LINK:
		fn(ctx, ID_NODE, "oldnodeid", AT(struct fuse_link_in, oldnodeid));
		return;
	case FUSE_COPY_FILE_RANGE:
	case FUSE_COPY_FILE_RANGE_64:
		fn(ctx, ID_FH, "fh_in", AT(struct fuse_copy_file_range_in, fh_in));
		fn(ctx, ID_NODE, "nodeid_out",
		   AT(struct fuse_copy_file_range_in, nodeid_out));
		fn(ctx, ID_FH, "fh_out",
		   AT(struct fuse_copy_file_range_in, fh_out));
		return;
	}
}

static void forget_ids(struct job *j, id_fn fn, void *ctx)
{
	unsigned char *t = (unsigned char *)j->args.tail;

	for (uint32_t i = 0; i + sizeof(struct fuse_forget_one) <= j->args.taillen;
	     i += sizeof(struct fuse_forget_one))
		fn(ctx, ID_NODE, "forget",
		   t + i + offsetof(struct fuse_forget_one, nodeid));
}

void request_ids(struct job *j, id_fn fn, void *ctx)
{
	/* The request is ours to rewrite: a copy the job owns. */
	unsigned char *in = (unsigned char *)j->args.in;

	fn(ctx, ID_NODE, "nodeid", j->req + offsetof(struct fuse_in_header, nodeid));
	if (!j->parsed)
		return;
	if (j->in.opcode == FUSE_BATCH_FORGET)
		forget_ids(j, fn, ctx);
	else if (in && fh_first(j->in.opcode))
		fn(ctx, ID_FH, "fh", in);
	else if (in)
		arg_ids(j, in, fn, ctx);
}

static bool gives_entry(uint32_t opcode)
{
	switch (opcode) {
	case FUSE_LOOKUP: case FUSE_MKNOD: case FUSE_MKDIR: case FUSE_SYMLINK:
	case FUSE_LINK: case FUSE_CREATE: case FUSE_TMPFILE:
		return true;
	default:
		return false;
	}
}

uint64_t reply_nodeid(uint32_t opcode, const unsigned char *p, size_t len)
{
	if (!gives_entry(opcode) || len < sizeof(struct fuse_entry_out))
		return 0;
	return load_u64(p + offsetof(struct fuse_entry_out, nodeid));
}

bool reply_fh(uint32_t opcode, const unsigned char *p, size_t len,
	      uint64_t *fh)
{
	size_t at;

	switch (opcode) {
	case FUSE_OPEN: case FUSE_OPENDIR:
		at = 0;
		break;
	case FUSE_CREATE: case FUSE_TMPFILE:
		at = sizeof(struct fuse_entry_out);
		break;
	default:
		return false;
	}
	if (len < at + sizeof(struct fuse_open_out))
		return false;
	*fh = load_u64(p + at + offsetof(struct fuse_open_out, fh));
	return true;
}
