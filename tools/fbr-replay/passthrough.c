/*
 * The passthrough driver as fbr-replay uses it: made over the replay's
 * directory, and asked how many nodeids it holds lookups on.
 */
#include <stdlib.h>

#include "fbr-replay.h"

static uint64_t pt_held(const struct replay_driver *d)
{
	struct fbr_pt_stats st;

	fbr_passthrough_stats(&d->drv, &st);
	return st.inodes;
}

static void pt_free(struct replay_driver *d)
{
	fbr_passthrough_free(&d->drv);
}

int replay_passthrough_new(const struct fbr_pt_opts *o,
			   struct replay_driver *out)
{
	*out = (struct replay_driver){ .held = pt_held, .free = pt_free };
	return fbr_passthrough_new(o, &out->drv);
}
