/*
 * fbr-trace --perfetto: the Chrome trace-event JSON that Perfetto and
 * chrome://tracing open.  Each worker thread (or queue) is a track; each
 * request is a slice from its arrival to its reply; notifications and
 * requests that take no reply are instants.
 */
#ifndef FBR_TRACE_PERFETTO_H
#define FBR_TRACE_PERFETTO_H

#include <stdint.h>
#include <stdio.h>

#include "trace/decode.h"

struct fbr_perfetto;

struct fbr_perfetto *fbr_perfetto_new(FILE *out, uint64_t start_clock,
				      const char *title);
void fbr_perfetto_event(struct fbr_perfetto *p, const struct fbr_decoder *d,
			const struct fbr_event *ev);
/* Close the JSON and free; the first write error, as -errno, or 0. */
int fbr_perfetto_close(struct fbr_perfetto *p);

#endif
