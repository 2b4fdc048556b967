/*
 * The request stream of a fuzz input (stream.h).
 */
#include <string.h>

#include "stream.h"

static void init_session(struct fbr_session *s, struct fbr_memsink *m)
{
	struct {
		struct fuse_in_header h;
		struct fuse_init_in in;
	} req = { { .len = sizeof(req), .opcode = FUSE_INIT, .unique = 1 },
		  { .major = 7, .minor = 45, .flags = 0xffffffff,
		    .flags2 = 0xffffffff } };

	fbr_memory_dispatch(s, &req, sizeof(req), m);
}

void fuzz_stream(struct fbr_session *s, struct fbr_memsink *m,
		 const uint8_t *data, size_t size,
		 bool (*skip)(const uint8_t *p, uint32_t len))
{
	if (size < 1)
		return;
	if (data[0] & 1)
		init_session(s, m);
	data++;
	size--;
	while (size >= sizeof(struct fuse_in_header)) {
		uint32_t len;

		memcpy(&len, data, sizeof(len));
		if (len < sizeof(struct fuse_in_header) || len > size)
			len = (uint32_t)size;
		if (!skip || !skip(data, len)) {
			fbr_memsink_clear(m);
			fbr_memory_dispatch(s, data, len, m);
		}
		data += len;
		size -= len;
	}
}
