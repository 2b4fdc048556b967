/*
 * libFuzzer target: arbitrary bytes as a stream of FUSE requests
 * (stream.h) to the dispatcher over the fake driver.
 */
#include <stdint.h>

#include "../unit/fakefs.h"
#include "stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
	fuzz_stream(s, &m, data, size, NULL);
	fbr_memsink_release(&m);
	fbr_session_free(s);
	return 0;
}
