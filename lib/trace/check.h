/*
 * fbr-trace --check: protocol violations in a decoded stream.  Replies to
 * requests that take none or to no request, requests never answered,
 * reply lengths wrong for the negotiated minor, invalid error values,
 * lookup counts FORGET drives below zero, file handles used after their
 * release.  Counts and handles are judged only when the trace starts at
 * INIT, since before that nothing is known about them.
 */
#ifndef FBR_TRACE_CHECK_H
#define FBR_TRACE_CHECK_H

#include <stdint.h>
#include <stdio.h>

#include "trace/decode.h"

struct fbr_check;

/* Violations are written to out, one a line, times since start_clock. */
struct fbr_check *fbr_check_new(FILE *out, uint64_t start_clock);
void fbr_check_free(struct fbr_check *c);
void fbr_check_event(struct fbr_check *c, const struct fbr_decoder *d,
		     const struct fbr_event *ev);
/* Violations found so far. */
uint64_t fbr_check_count(const struct fbr_check *c);

#endif
