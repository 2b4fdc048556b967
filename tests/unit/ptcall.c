/*
 * The request sender shared by the passthrough unit tests.
 */
#include <unistd.h>

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
