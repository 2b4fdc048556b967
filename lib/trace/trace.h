/*
 * Writing and reading trace files.  The writer is the tap a transport
 * calls for each message it receives or sends; it is safe to call from
 * every worker at once.  The reader returns records one by one and says
 * exactly where a damaged file stops making sense.
 */
#ifndef FBR_TRACE_TRACE_H
#define FBR_TRACE_TRACE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "trace/format.h"

struct fbr_trace;

/* Create path (replacing it); snaplen 0 keeps every byte.  0 or -errno. */
int fbr_trace_create(const char *path, enum fbr_trace_transport transport,
		     uint32_t snaplen, const char *tool, struct fbr_trace **out);
/* Record one message given as iov (total bytes in all).  0 or -errno. */
int fbr_trace_write(struct fbr_trace *t, enum fbr_trace_type type,
		    uint32_t thread, const struct iovec *iov, int cnt);
/*
 * Record the first caplen bytes of a message origlen long, stamped ts (the
 * record clock, ns) rather than now: what kernel tracepoints give, the
 * header alone, after the fact.  0 or -EINVAL.
 */
int fbr_trace_write_part(struct fbr_trace *t, enum fbr_trace_type type,
			 uint32_t thread, uint64_t ts, const void *data,
			 uint32_t caplen, uint32_t origlen);
/* Flush and close; returns the first write error seen, if any. */
int fbr_trace_close(struct fbr_trace *t);

struct fbr_trace_reader;

struct fbr_trace_rec {
	struct fbr_trace_record h;
	const unsigned char *data; /* h.caplen bytes, valid until the next read */
	uint64_t offset;           /* where the record starts in the file */
};

/* Open and check the header.  0, or -errno (-EBADMSG: not a trace). */
int fbr_trace_reader_open(const char *path, struct fbr_trace_reader **out);
/* The same, with what is wrong with the header when it is -EBADMSG. */
int fbr_trace_reader_open_why(const char *path, struct fbr_trace_reader **out,
			      const char **why);
const struct fbr_trace_file_header *
fbr_trace_reader_header(const struct fbr_trace_reader *r);
/*
 * The next record: 1 and rec, 0 at a clean end, -EBADMSG for a damaged
 * or truncated record (fbr_trace_reader_offset() says where), or -errno.
 */
int fbr_trace_read(struct fbr_trace_reader *r, struct fbr_trace_rec *rec);
uint64_t fbr_trace_reader_offset(const struct fbr_trace_reader *r);
/* After -EBADMSG: what is wrong there, in words. */
const char *fbr_trace_reader_error(const struct fbr_trace_reader *r);
/*
 * Follow a file still being written: at its end, even in the middle of a
 * record, fbr_trace_read() returns -EAGAIN, and reads on from the same
 * record when called again.
 */
void fbr_trace_reader_follow(struct fbr_trace_reader *r);
void fbr_trace_reader_close(struct fbr_trace_reader *r);

#endif
