/*
 * Argument checking: every length, name and count a request carries is
 * checked here once, before any handler sees it.
 */
#include <errno.h>
#include <string.h>

#include "protocol/args.h"
#include "protocol/opcode.h"

static uint32_t fixed_size(const struct fbr_opdesc *d, uint32_t opcode,
			   size_t avail, const struct fbr_parse_opts *o)
{
	if (opcode == FUSE_INIT) /* 16 bytes before 7.36, 64 since */
		return avail >= sizeof(struct fuse_init_in) ?
		       sizeof(struct fuse_init_in) : FUSE_COMPAT_INIT_IN_SIZE;
	if (opcode == FUSE_SETXATTR && !o->setxattr_ext)
		return FUSE_COMPAT_SETXATTR_IN_SIZE;
	return d->insize;
}

static int take_names(const char **p, size_t *left, unsigned n,
		      struct fbr_args *a)
{
	for (unsigned i = 0; i < n; i++) {
		const char *end = memchr(*p, '\0', *left);
		size_t sz;

		if (!end || end == *p)
			return -EINVAL;
		sz = (size_t)(end - *p) + 1;
		a->name[i] = *p;
		*p += sz;
		*left -= sz;
	}
	return 0;
}

/*
 * apart: the bytes the header counts beyond buf, which only a WRITE whose
 * data the transport kept apart may have, exactly as many as it writes.
 */
static int take_tail(const struct fbr_opdesc *d, const char *p, size_t left,
		     size_t apart, struct fbr_args *a)
{
	uint32_t v;
	uint64_t want;

	if (d->tail == FBR_TAIL_NONE)
		return left || apart ? -EINVAL : 0;
	memcpy(&v, (const char *)a->in + d->tail_field, sizeof(v));
	want = d->tail == FBR_TAIL_ARRAY ? (uint64_t)v * d->tail_elem : v;
	if (apart && apart != want)
		return -EINVAL;
	if (apart)
		want = 0;
	if (want != left)
		return -EINVAL;
	a->tail = p; /* never NULL, even when empty */
	a->taillen = (uint32_t)left;
	return 0;
}

/*
 * The header counts every byte of the request, including WRITE data that
 * a virtio transport leaves in guest memory apart from buf; do_write then
 * checks the data it was given against the size argument.
 */
static bool len_ok(const struct fuse_in_header *h, size_t len,
		   const struct fbr_parse_opts *o)
{
	if (o->external_data && h->opcode == FUSE_WRITE)
		return h->len >= len;
	return h->len == len;
}

int fbr_args_parse(const void *buf, size_t len, const struct fbr_parse_opts *o,
		   struct fbr_args *a)
{
	const struct fuse_in_header *h = buf;
	const struct fbr_opdesc *d;
	const char *p = (const char *)buf + sizeof(*h);
	size_t left, extlen = 0;
	uint32_t insize;
	int err;

	memset(a, 0, sizeof(*a));
	if (len < sizeof(*h) || !len_ok(h, len, o))
		return -EINVAL;
	d = fbr_opdesc(h->opcode);
	if (!d)
		return -ENOSYS;
	left = len - sizeof(*h);
	if (o->minor >= 38 && h->total_extlen) {
		extlen = (size_t)h->total_extlen * 8;
		if (!(d->flags & FBR_OP_CREATES) || extlen > left)
			return -EINVAL;
		left -= extlen;
		a->ext = p + left;
		a->extlen = (uint32_t)extlen;
	}
	insize = fixed_size(d, h->opcode, left, o);
	if (left < insize)
		return -EINVAL;
	a->in = insize ? p : NULL;
	a->insize = insize;
	if (h->opcode == FUSE_INIT) /* a newer kernel's longer INIT is fine */
		return 0;
	p += insize;
	left -= insize;
	err = take_names(&p, &left, d->nnames, a);
	if (err)
		return err;
	return take_tail(d, p, left, h->len - len, a);
}

int fbr_args_supp_group(const struct fbr_args *a, uint32_t *gid)
{
	const char *p = a->ext;
	size_t left = a->extlen;

	while (left >= sizeof(struct fuse_ext_header)) {
		struct fuse_ext_header eh;
		struct fuse_supp_groups sg;

		memcpy(&eh, p, sizeof(eh));
		if (eh.size < sizeof(eh) || eh.size % 8 || eh.size > left)
			return -EINVAL;
		if (eh.type == FUSE_EXT_GROUPS) {
			if (eh.size < sizeof(eh) + sizeof(sg) + sizeof(*gid))
				return -EINVAL;
			memcpy(&sg, p + sizeof(eh), sizeof(sg));
			if (sg.nr_groups != 1)
				return -EINVAL;
			memcpy(gid, p + sizeof(eh) + sizeof(sg), sizeof(*gid));
			return 0;
		}
		p += eh.size;
		left -= eh.size;
	}
	return left ? -EINVAL : -ENOENT;
}
