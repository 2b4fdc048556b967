/*
 * Requests to the passthrough driver in unit tests: a request built from
 * parts, sent through the memory transport, its reply split out.
 */
#ifndef FBR_TESTS_PTCALL_H
#define FBR_TESTS_PTCALL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "transports/memory.h"

struct reply {
	int error;         /* 0, a negative errno, or 1: no reply at all */
	const unsigned char *data;
	size_t len;
};

struct part {
	const void *p;
	size_t len;
};

#define P(x) { &(x), sizeof(x) }
#define S(s) { (s), strlen(s) + 1 }

/* Send one request; the reply stays valid until the next call on m. */
struct reply pt_callv(struct fbr_session *s, struct fbr_memsink *m,
		      uint32_t opcode, uint64_t nodeid,
		      const struct part *parts, int nparts);

/* The session a test talks to through the helpers below, and its sink. */
extern struct fbr_session *tc_sess;
extern struct fbr_memsink tc_sink;

struct fuse_entry_out;

/* pt_callv() to tc_sess; a request of one part. */
struct reply tc_call(uint32_t opcode, uint64_t nodeid,
		     const struct part *parts, int nparts);
struct reply tc_call1(uint32_t opcode, uint64_t nodeid, const void *in,
		      size_t size);
/* The reply's payload as a struct of exactly size bytes: 0, the reply's
   errno, or -1000 - its length when that is another. */
int tc_take(struct reply r, void *out, size_t size);
int tc_lookup(uint64_t parent, const char *name, struct fuse_entry_out *e);

#endif
