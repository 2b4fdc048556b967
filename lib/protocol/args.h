/*
 * Bounds-checked reading of a request's arguments, driven by the opcode
 * table.  A request is accepted only if its bytes are exactly what its
 * opcode's layout says: the fixed struct, the NUL-terminated names, the
 * tail, and (7.38) the extensions the header announces.
 */
#ifndef FBR_PROTOCOL_ARGS_H
#define FBR_PROTOCOL_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fbr/fuse_abi.h"

/* What the layout depends on besides the opcode. */
struct fbr_parse_opts {
	uint32_t minor;        /* negotiated minor, 0 before INIT */
	bool setxattr_ext;     /* FUSE_SETXATTR_EXT agreed */
	bool external_data;    /* WRITE data lies outside the buffer (virtio) */
};

struct fbr_args {
	const void *in;        /* fixed struct, insize bytes (NULL if none) */
	uint32_t insize;       /* as received: INIT and SETXATTR vary */
	const char *name[2];
	const void *tail;      /* after the names; valid even when empty */
	uint32_t taillen;
	const void *ext;       /* request extensions, or NULL */
	uint32_t extlen;
};

/*
 * Check the request in buf (len bytes, starting with the in header, 8-byte
 * aligned) and fill a.  Returns 0, -ENOSYS for an opcode outside the
 * table, or -EINVAL for a request whose bytes do not match its layout.
 */
int fbr_args_parse(const void *buf, size_t len, const struct fbr_parse_opts *o,
		   struct fbr_args *a);

/*
 * Find the supplementary-group extension; returns 0 and sets *gid when the
 * request carries exactly one group, -ENOENT when it carries none, -EINVAL
 * when the extensions are malformed.
 */
int fbr_args_supp_group(const struct fbr_args *a, uint32_t *gid);

#endif
