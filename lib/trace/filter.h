/*
 * Which decoder events to show: by opcode, by errno or failure, by nodeid
 * or path prefix, by time.  An empty filter passes everything.
 */
#ifndef FBR_TRACE_FILTER_H
#define FBR_TRACE_FILTER_H

#include <stdbool.h>
#include <stdint.h>

#include "trace/decode.h"

struct fbr_filter {
	bool by_op, notify;          /* notify: NOTIFY_* named in the list */
	bool ops[FUSE_OPCODE_MAX + 1];
	bool by_errno, failed;
	uint8_t errnos[4096 / 8];
	bool by_nodeid;
	uint64_t nodeid;
	const char *path;            /* prefix, whole components */
	uint64_t from, to;           /* ns since the trace start; to 0: none */
};

/*
 * Add a comma-separated list of opcode names ("LOOKUP,read", or NOTIFY
 * for every notification) or errno names ("ENOENT,EACCES").  0, or
 * -EINVAL with *bad pointing at the unknown name inside list.
 */
int fbr_filter_opcodes(struct fbr_filter *f, char *list, const char **bad);
int fbr_filter_errnos(struct fbr_filter *f, char *list, const char **bad);
bool fbr_filter_match(const struct fbr_filter *f, const struct fbr_decoder *d,
		      const struct fbr_event *ev, uint64_t start_clock);

#endif
