/*
 * The drivers a trace can be replayed against: those the library ships.
 * The test suite links its own version of this file, which adds drivers
 * with faults in them (tests/replay/fault-drivers.c).
 */
#include <string.h>

#include "fbr-replay.h"

const char *const replay_driver_list = "passthrough";

bool replay_driver_known(const char *name)
{
	return !strcmp(name, "passthrough");
}

int replay_driver_new(const char *name, const struct fbr_pt_opts *o,
		      struct replay_driver *out)
{
	return replay_passthrough_new(o, out);
}
