/*
 * Decoding FUSE messages field by field: a request's arguments, a reply's
 * payload, a notification.  One describer per opcode, bounds-checked; the
 * opcode table (opcode.h) and the argument checker (args.h) split the
 * bytes, these name them.
 */
#ifndef FBR_PROTOCOL_DESCRIBE_H
#define FBR_PROTOCOL_DESCRIBE_H

#include <stddef.h>

#include "fbr/fuse_abi.h"
#include "protocol/args.h"
#include "protocol/emit.h"

/* The arguments of a request whose bytes fbr_args_parse() accepted. */
void fbr_describe_args(struct fbr_emit *e, const struct fuse_in_header *h,
		       const struct fbr_args *a);
/*
 * A successful reply's payload (the bytes after the out header) to a
 * request of opcode; req and a describe that request when known (the
 * meaning of some replies depends on it), else NULL.
 */
void fbr_describe_reply(struct fbr_emit *e, uint32_t opcode,
			const struct fbr_args *req, const void *p, size_t len);
/* A notification's payload; code is the out header's error field. */
void fbr_describe_notify(struct fbr_emit *e, int code, const void *p,
			 size_t len);

/* The payload size a successful reply of opcode must have, or -1 if it
 * varies (data, names, listings). */
long fbr_reply_size(uint32_t opcode, const struct fbr_args *req);

#endif
