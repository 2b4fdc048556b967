/*
 * libFuzzer target: arbitrary bytes as a stream of FUSE requests to the
 * dispatcher over the fake driver.  Each request's length comes from its
 * own header (cut to what is left), so the fuzzer can build sequences:
 * INIT, then anything.  The first byte chooses whether the session starts
 * already initialised, so short inputs reach every handler.
 */
#include <stdint.h>
#include <string.h>

#include "../unit/fakefs.h"
#include "transports/memory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fbr_driver_ops ops;
	struct fbr_session_opts o = { .max_write = 1 << 20 };
	struct fbr_driver drv = { .ops = &ops };
	struct fbr_session *s;
	struct fbr_memsink m;

	if (size < 1)
		return 0;
	ops = fake_ops;
	ops.setlk = NULL; /* the fake's SETLKW waits for an INTERRUPT */
	s = fbr_session_new(&drv, &o);
	fbr_memsink_init(&m, 1 << 16);
	if (data[0] & 1)
		init_session(s, &m);
	data++;
	size--;
	while (size >= sizeof(struct fuse_in_header)) {
		uint32_t len;

		memcpy(&len, data, sizeof(len));
		if (len < sizeof(struct fuse_in_header) || len > size)
			len = (uint32_t)size;
		fbr_memsink_clear(&m);
		fbr_memory_dispatch(s, data, len, &m);
		data += len;
		size -= len;
	}
	fbr_memsink_release(&m);
	fbr_session_free(s);
	return 0;
}
