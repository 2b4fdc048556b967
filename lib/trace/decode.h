/*
 * The trace decoder: records in, events out.  It joins each request with
 * its reply by unique, learns the negotiated protocol minor from INIT,
 * remembers which name each nodeid was looked up by so it can show paths,
 * and renders an event as one line of text or one JSON object through the
 * emitter.  fbr-trace is built on it; anything else that wants to show
 * FUSE traffic (fbr-replay, debug logs) can feed it the same way.
 */
#ifndef FBR_TRACE_DECODE_H
#define FBR_TRACE_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fbr/fuse_abi.h"
#include "protocol/args.h"
#include "protocol/emit.h"
#include "trace/trace.h"

enum fbr_event_kind {
	FBR_EV_CALL,       /* a request and its reply */
	FBR_EV_NOREPLY,    /* a request that takes no reply (FORGET, ...) */
	FBR_EV_UNANSWERED, /* a request whose reply never came */
	FBR_EV_NOTIFY,     /* a notification from the server */
	FBR_EV_ORPHAN,     /* a reply to no request seen */
};

/* One side of an event: the message bytes as recorded. */
struct fbr_recmsg {
	const unsigned char *p; /* caplen bytes, NULL when absent */
	uint32_t caplen, origlen;
	uint64_t ts;
	uint32_t thread;
	uint64_t offset;        /* of its record in the file */
};

struct fbr_event {
	enum fbr_event_kind kind;
	struct fbr_recmsg req, rep;
	struct fuse_in_header in;   /* zeros without a request */
	struct fuse_out_header out; /* zeros without a reply */
	const struct fbr_args *args; /* the request's, NULL if unparsable */
	int parse_err;              /* why it was not parsed, -errno */
	const char *opname;         /* "LOOKUP", "NOTIFY_INVAL_ENTRY", "?" */
};

struct fbr_decoder;
typedef void (*fbr_event_fn)(void *ctx, const struct fbr_event *ev);

/* A decoder whose events go to fn(ctx, ...).  0 or -ENOMEM. */
int fbr_decoder_new(fbr_event_fn fn, void *ctx, struct fbr_decoder **out);
void fbr_decoder_free(struct fbr_decoder *d);
/* Feed one record; unknown record types are skipped.  0 or -ENOMEM. */
int fbr_decoder_feed(struct fbr_decoder *d, const struct fbr_trace_rec *rec);
/* The end of the stream: every request still waiting is unanswered. */
void fbr_decoder_finish(struct fbr_decoder *d);
/* The negotiated minor (0 before INIT's reply) and INIT's agreed flags. */
uint32_t fbr_decoder_minor(const struct fbr_decoder *d);
uint64_t fbr_decoder_init_flags(const struct fbr_decoder *d);

/*
 * The path nodeid was last seen by, "/" for the root, into buf; false
 * when unknown (looked up before the trace began, or forgotten by a full
 * table) or too long for buf.
 */
bool fbr_decoder_path(const struct fbr_decoder *d, uint64_t nodeid,
		      char *buf, size_t size);
/* The nodeid a successful LOOKUP-like reply gave out, or 0. */
uint64_t fbr_event_new_nodeid(const struct fbr_event *ev);
/* The request's first name (LOOKUP's, CREATE's, ...), or NULL. */
const char *fbr_event_name(const struct fbr_event *ev);

struct fbr_render_opts {
	bool json;
	bool epoch;          /* times since the epoch, not since the start */
	bool hexdump;        /* payloads in hex after the line (text only) */
	uint64_t start_clock, start_realtime; /* from the file header */
};

/* One event as a line (with its newline) or a JSON object, appended to e. */
void fbr_decoder_render(const struct fbr_decoder *d, struct fbr_emit *e,
			const struct fbr_event *ev,
			const struct fbr_render_opts *o);
/* ns as seconds with 6 decimals, "12.000345", without printf. */
void fbr_emit_seconds(struct fbr_emit *e, uint64_t ns);
/* A hexdump of p, 16 bytes a line, each line starting with prefix. */
void fbr_emit_hexdump(struct fbr_emit *e, const char *prefix, const void *p,
		      size_t len);

#endif
