/*
 * Rendering a decoder event, as one strace-like line:
 *
 *   0.001234 [0] #8 LOOKUP(nodeid=1, path="/", name="a") = 0 {nodeid=2, ...} <0.000045>
 *
 * or as one JSON object per line with the same fields.  Everything goes
 * through the emitter, which formats numbers without printf: this is the
 * decoder's hot path.
 */
#include <errno.h>
#include <string.h>

#include "protocol/describe.h"
#include "protocol/names.h"
#include "trace/decode.h"

#define OUT_HDR sizeof(struct fuse_out_header)
#define IN_HDR sizeof(struct fuse_in_header)

static void raw(struct fbr_emit *e, const char *s)
{
	fbr_emit_raw(e, s, strlen(s));
}

void fbr_emit_seconds(struct fbr_emit *e, uint64_t ns)
{
	char buf[32];
	int i = sizeof(buf);
	uint64_t us = ns / 1000, sec = us / 1000000;

	us %= 1000000;
	for (int k = 0; k < 6; k++, us /= 10)
		buf[--i] = (char)('0' + us % 10);
	buf[--i] = '.';
	do {
		buf[--i] = (char)('0' + sec % 10);
		sec /= 10;
	} while (sec);
	fbr_emit_raw(e, buf + i, sizeof(buf) - (size_t)i);
}

static void put_u64(struct fbr_emit *e, uint64_t v)
{
	bool first = e->first;

	e->first = true; /* no separator: a bare number */
	fbr_emit_u64(e, NULL, v);
	e->first = first;
}

static uint64_t when(const struct fbr_render_opts *o, uint64_t ts)
{
	uint64_t rel = ts >= o->start_clock ? ts - o->start_clock : 0;

	return o->epoch ? o->start_realtime + rel : rel;
}

static void time_field(struct fbr_emit *e, const char *name, uint64_t ns)
{
	fbr_emit_key(e, name);
	fbr_emit_seconds(e, ns);
}

/* "time", "thread", "unique": where every line starts. */
static void prefix(struct fbr_emit *e, const struct fbr_event *ev,
		   const struct fbr_recmsg *m, const struct fbr_render_opts *o)
{
	bool unique = ev->kind != FBR_EV_NOTIFY;
	uint64_t u = ev->req.p ? ev->in.unique : ev->out.unique;

	if (o->json) {
		time_field(e, "time", when(o, m->ts));
		fbr_emit_u64(e, "thread", m->thread);
		if (unique)
			fbr_emit_u64(e, "unique", u);
		return;
	}
	fbr_emit_seconds(e, when(o, m->ts));
	raw(e, " [");
	put_u64(e, m->thread);
	raw(e, unique ? "] #" : "] ");
	if (unique) {
		put_u64(e, u);
		raw(e, " ");
	}
}

/* Why a request's arguments cannot be shown, as fields.  A header alone
   (what kernel tracepoints give) shows the length it counts. */
static void unparsed(struct fbr_emit *e, const struct fbr_event *ev)
{
	if (ev->req.caplen == sizeof(struct fuse_in_header) &&
	    ev->req.origlen > ev->req.caplen) {
		fbr_emit_u64(e, "length", ev->req.origlen);
	} else if (ev->parse_err == -EMSGSIZE) {
		fbr_emit_u64(e, "captured", ev->req.caplen);
		fbr_emit_u64(e, "length", ev->req.origlen);
	} else if (ev->parse_err == -ENOSYS) {
		fbr_emit_u64(e, "opcode_number", ev->in.opcode);
		fbr_emit_u64(e, "bytes", ev->req.caplen);
	} else {
		fbr_emit_u64(e, "malformed_bytes", ev->req.caplen);
	}
}

static void args(const struct fbr_decoder *d, struct fbr_emit *e,
		 const struct fbr_event *ev, bool json)
{
	char path[4096];

	if (ev->in.nodeid) {
		fbr_emit_u64(e, "nodeid", ev->in.nodeid);
		if (fbr_decoder_path(d, ev->in.nodeid, path, sizeof(path)))
			fbr_emit_str(e, "path", path, sizeof(path));
	}
	if (json)
		fbr_emit_begin(e, "args");
	if (ev->args)
		fbr_describe_args(e, &ev->in, ev->args);
	else
		unparsed(e, ev);
	if (json)
		fbr_emit_end(e);
}

static void request(const struct fbr_decoder *d, struct fbr_emit *e,
		    const struct fbr_event *ev, bool json)
{
	if (json) {
		fbr_emit_sym(e, "opcode", ev->opname);
		args(d, e, ev, true);
		return;
	}
	raw(e, ev->opname);
	raw(e, "(");
	e->first = true;
	args(d, e, ev, false);
	raw(e, ")");
}

static void result_text(struct fbr_emit *e, int32_t error)
{
	const char *n = error < 0 ? fbr_errno_name(error) : NULL;

	raw(e, " = ");
	if (n)
		raw(e, n);
	else if (error < 0)
		fbr_emit_i64(e, NULL, error);
	else
		put_u64(e, (uint32_t)error);
}

/* The reply's fields, or a note of why there are none to show. */
static void reply_fields(struct fbr_emit *e, const struct fbr_event *ev)
{
	const unsigned char *p = ev->rep.p + OUT_HDR;
	size_t len = ev->rep.caplen - OUT_HDR;

	if (!len && ev->rep.origlen > OUT_HDR) { /* a header alone */
		fbr_emit_u64(e, "length", ev->rep.origlen);
		return;
	}
	if (ev->kind == FBR_EV_NOTIFY)
		fbr_describe_notify(e, ev->out.error, p, len);
	else if (ev->kind != FBR_EV_ORPHAN && !ev->out.error)
		fbr_describe_reply(e, ev->in.opcode, ev->args, p, len);
	else if (len) /* an error carries no payload: show how much came */
		fbr_emit_u64(e, "bytes", len);
	if (ev->rep.caplen < ev->rep.origlen) {
		fbr_emit_u64(e, "captured", ev->rep.caplen);
		fbr_emit_u64(e, "length", ev->rep.origlen);
	}
}

/* " {fields}" in text, nothing at all when there are none. */
static void reply_text(struct fbr_emit *e, const struct fbr_event *ev)
{
	size_t mark = e->len;

	if (ev->rep.caplen < OUT_HDR) {
		raw(e, " {short_reply_bytes=");
		put_u64(e, ev->rep.caplen);
		raw(e, "}");
		return;
	}
	raw(e, " {");
	e->first = true;
	reply_fields(e, ev);
	if (e->first)
		e->len = mark; /* nothing said: no braces */
	else
		raw(e, "}");
}

static uint64_t latency(const struct fbr_event *ev)
{
	return ev->rep.ts > ev->req.ts ? ev->rep.ts - ev->req.ts : 0;
}

static void line_text(const struct fbr_decoder *d, struct fbr_emit *e,
		      const struct fbr_event *ev,
		      const struct fbr_render_opts *o)
{
	prefix(e, ev, ev->req.p ? &ev->req : &ev->rep, o);
	switch (ev->kind) {
	case FBR_EV_CALL:
		request(d, e, ev, false);
		result_text(e, ev->out.error);
		reply_text(e, ev);
		raw(e, " <");
		fbr_emit_seconds(e, latency(ev));
		raw(e, ">\n");
		return;
	case FBR_EV_NOREPLY:
		request(d, e, ev, false);
		raw(e, "\n");
		return;
	case FBR_EV_UNANSWERED:
		request(d, e, ev, false);
		raw(e, " = ? <unanswered>\n");
		return;
	case FBR_EV_NOTIFY:
		raw(e, "--- ");
		raw(e, ev->opname);
		reply_text(e, ev);
		raw(e, " ---\n");
		return;
	case FBR_EV_ORPHAN:
		raw(e, "<reply to no request>");
		result_text(e, ev->out.error);
		reply_text(e, ev);
		raw(e, "\n");
		return;
	}
}

static const char *const kind_names[] = {
	[FBR_EV_CALL] = "call", [FBR_EV_NOREPLY] = "noreply",
	[FBR_EV_UNANSWERED] = "unanswered", [FBR_EV_NOTIFY] = "notify",
	[FBR_EV_ORPHAN] = "orphan_reply",
};

static void reply_json(struct fbr_emit *e, const struct fbr_event *ev)
{
	const char *n = fbr_errno_name(ev->out.error);

	if (ev->kind != FBR_EV_NOTIFY) {
		fbr_emit_i64(e, "error", ev->out.error);
		if (ev->out.error < 0 && n)
			fbr_emit_sym(e, "errno", n);
	}
	fbr_emit_begin(e, ev->kind == FBR_EV_NOTIFY ? "notify" : "reply");
	if (ev->rep.caplen < OUT_HDR)
		fbr_emit_u64(e, "short_reply_bytes", ev->rep.caplen);
	else
		reply_fields(e, ev);
	fbr_emit_end(e);
}

static void line_json(const struct fbr_decoder *d, struct fbr_emit *e,
		      const struct fbr_event *ev,
		      const struct fbr_render_opts *o)
{
	e->first = true;
	fbr_emit_begin(e, NULL);
	fbr_emit_sym(e, "type", kind_names[ev->kind]);
	prefix(e, ev, ev->req.p ? &ev->req : &ev->rep, o);
	if (ev->req.p)
		request(d, e, ev, true);
	else if (ev->kind == FBR_EV_NOTIFY)
		fbr_emit_sym(e, "opcode", ev->opname);
	if (ev->rep.p)
		reply_json(e, ev);
	if (ev->kind == FBR_EV_CALL)
		time_field(e, "latency", latency(ev));
	fbr_emit_end(e);
	raw(e, "\n");
}

void fbr_decoder_render(const struct fbr_decoder *d, struct fbr_emit *e,
			const struct fbr_event *ev,
			const struct fbr_render_opts *o)
{
	if (o->json) {
		line_json(d, e, ev, o);
		return;
	}
	line_text(d, e, ev, o);
	if (!o->hexdump)
		return;
	if (ev->req.p && ev->req.caplen > IN_HDR)
		fbr_emit_hexdump(e, "  > ", ev->req.p + IN_HDR,
				 ev->req.caplen - IN_HDR);
	if (ev->rep.p && ev->rep.caplen > OUT_HDR)
		fbr_emit_hexdump(e, "  < ", ev->rep.p + OUT_HDR,
				 ev->rep.caplen - OUT_HDR);
}

/* "  > 0010  68 69 0a 00 ...  |hi..|" */
static void hex_line(struct fbr_emit *e, const char *prefix,
		     const unsigned char *p, size_t off, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char buf[96];
	size_t k = 0;

	for (int s = 20; s >= 0; s -= 4)
		buf[k++] = hex[(off >> s) & 15];
	buf[k++] = ' ';
	for (size_t i = 0; i < 16; i++) {
		buf[k++] = ' ';
		buf[k++] = i < n ? hex[p[i] >> 4] : ' ';
		buf[k++] = i < n ? hex[p[i] & 15] : ' ';
	}
	buf[k++] = ' ';
	buf[k++] = ' ';
	buf[k++] = '|';
	for (size_t i = 0; i < n; i++)
		buf[k++] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '.';
	buf[k++] = '|';
	buf[k++] = '\n';
	raw(e, prefix);
	fbr_emit_raw(e, buf, k);
}

void fbr_emit_hexdump(struct fbr_emit *e, const char *prefix, const void *p,
		      size_t len)
{
	const unsigned char *b = p;

	for (size_t off = 0; off < len; off += 16)
		hex_line(e, prefix, b + off, off, len - off < 16 ? len - off : 16);
}
