/*
 * Building raw FUSE requests and expected replies in tests.
 */
#ifndef FBR_TESTS_WIRE_H
#define FBR_TESTS_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "fbr/fuse_abi.h"
#include "transports/memory.h"

struct wire {
	unsigned char b[8192];
	size_t len;
};

/* Start a request: header with opcode, unique, nodeid, uid 1000, gid 100. */
void w_start(struct wire *w, uint32_t opcode, uint64_t unique, uint64_t nodeid);
void w_add(struct wire *w, const void *p, size_t n);
void w_str(struct wire *w, const char *s); /* with its NUL */
/* Finish: set the header's len to the bytes added (or to len if nonzero). */
void w_end(struct wire *w);

/* A reply: out header (error, unique) followed by parts. */
void w_reply(struct wire *w, int32_t error, uint64_t unique);

/* Dispatch w and return the replies captured in m (cleared first). */
int w_send(struct fbr_session *s, const struct wire *w, struct fbr_memsink *m);

#endif
