/*
 * fbr-trace -c: calls, errors and latency per opcode, like strace -c,
 * with exact percentiles and, on request, a log2 latency histogram.
 */
#ifndef FBR_TRACE_SUMMARY_H
#define FBR_TRACE_SUMMARY_H

#include <stdbool.h>
#include <stdio.h>

#include "trace/decode.h"

struct fbr_summary;

struct fbr_summary *fbr_summary_new(void);
void fbr_summary_free(struct fbr_summary *s);
/* Count one event; 0 or -ENOMEM. */
int fbr_summary_add(struct fbr_summary *s, const struct fbr_event *ev);
/* The table, busiest opcode first; then each histogram if asked. */
void fbr_summary_print(struct fbr_summary *s, FILE *out, bool histogram);

#endif
