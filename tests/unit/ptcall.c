/*
 * The request sender shared by the passthrough unit tests, and the
 * helpers on it they all use.
 */
#include <unistd.h>

#include "fbr/fuse_abi.h"

#include "ptcall.h"

#define MAX_REQUEST ((1U << 20) + 4096)

struct reply pt_callv(struct fbr_session *s, struct fbr_memsink *m,
		      uint32_t opcode, uint64_t nodeid,
		      const struct part *parts, int nparts)
{
	static unsigned char buf[MAX_REQUEST];
	static uint64_t next_unique = 1;
	struct fuse_in_header h = { .opcode = opcode, .unique = next_unique++,
				    .nodeid = nodeid, .pid = (uint32_t)getpid() };
	struct fuse_out_header oh;
	struct reply r = { .error = 1 };
	size_t len = sizeof(h);

	for (int i = 0; i < nparts; i++) {
		if (parts[i].len)
			memcpy(buf + len, parts[i].p, parts[i].len);
		len += parts[i].len;
	}
	h.len = (uint32_t)len;
	memcpy(buf, &h, sizeof(h));
	fbr_memsink_clear(m);
	fbr_memory_dispatch(s, buf, len, m);
	if (!m->nreplies)
		return r;
	memcpy(&oh, m->reply, sizeof(oh));
	r.error = oh.error;
	r.data = m->reply + sizeof(oh);
	r.len = oh.len - sizeof(oh);
	return r;
}

struct fbr_session *tc_sess;
struct fbr_memsink tc_sink;

struct reply tc_call(uint32_t opcode, uint64_t nodeid,
		     const struct part *parts, int nparts)
{
	return pt_callv(tc_sess, &tc_sink, opcode, nodeid, parts, nparts);
}

struct reply tc_call1(uint32_t opcode, uint64_t nodeid, const void *in,
		      size_t size)
{
	struct part p[] = { { in, size } };

	return tc_call(opcode, nodeid, p, 1);
}

int tc_take(struct reply r, void *out, size_t size)
{
	if (r.error)
		return r.error;
	if (r.len != size)
		return -1000 - (int)r.len;
	memcpy(out, r.data, size);
	return 0;
}

int tc_lookup(uint64_t parent, const char *name, struct fuse_entry_out *e)
{
	struct part p[] = { S(name) };

	return tc_take(tc_call(FUSE_LOOKUP, parent, p, 1), e, sizeof(*e));
}
