/*
 * The Chrome trace-event writer.  Times are microseconds since the trace
 * start with nanosecond decimals; a thread is named the first time it is
 * seen, so the tracks read "worker 0", "worker 1", ...
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/names.h"
#include "trace/perfetto.h"
#include "trace/u64map.h"

struct fbr_perfetto {
	FILE *out;
	uint64_t start_clock;
	struct fbr_emit e;
	struct fbr_u64map threads;
};

static void flush(struct fbr_perfetto *p)
{
	fwrite(p->e.p, 1, p->e.len, p->out);
	fbr_emit_reset(&p->e);
}

struct fbr_perfetto *fbr_perfetto_new(FILE *out, uint64_t start_clock,
				      const char *title)
{
	struct fbr_perfetto *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->out = out;
	p->start_clock = start_clock;
	fbr_emit_init(&p->e, true);
	fbr_emit_rawf(&p->e, "{\"displayTimeUnit\": \"ns\", \"traceEvents\": [\n"
		      "{\"ph\": \"M\", \"name\": \"process_name\", \"pid\": 1, "
		      "\"args\": {\"name\": ");
	fbr_emit_str(&p->e, NULL, title, strlen(title));
	fbr_emit_raw(&p->e, "}}", 2);
	flush(p);
	return p;
}

/* Microseconds with three decimals: "12.345". */
static void micros(struct fbr_emit *e, const char *name, uint64_t ns)
{
	fbr_emit_key(e, name);
	fbr_emit_rawf(e, "%llu.%03llu", (unsigned long long)(ns / 1000),
		      (unsigned long long)(ns % 1000));
}

static void name_thread(struct fbr_perfetto *p, uint32_t tid)
{
	if (fbr_u64map_get(&p->threads, tid))
		return;
	fbr_u64map_put(&p->threads, tid, 1);
	fbr_emit_rawf(&p->e, ",\n{\"ph\": \"M\", \"name\": \"thread_name\", "
		      "\"pid\": 1, \"tid\": %u, \"args\": {\"name\": "
		      "\"worker %u\"}}", tid, tid);
}

static void slice_args(struct fbr_perfetto *p, const struct fbr_decoder *d,
		       const struct fbr_event *ev)
{
	char path[4096];
	const char *err = fbr_errno_name(ev->out.error);

	fbr_emit_begin(&p->e, "args");
	if (ev->req.p) {
		fbr_emit_u64(&p->e, "unique", ev->in.unique);
		fbr_emit_u64(&p->e, "nodeid", ev->in.nodeid);
		if (fbr_decoder_path(d, ev->in.nodeid, path, sizeof(path)))
			fbr_emit_str(&p->e, "path", path, sizeof(path));
	}
	if (ev->kind == FBR_EV_CALL && ev->out.error)
		fbr_emit_sym(&p->e, "error", err ? err : "?");
	if (ev->kind == FBR_EV_UNANSWERED)
		fbr_emit_sym(&p->e, "error", "unanswered");
	fbr_emit_end(&p->e);
}

void fbr_perfetto_event(struct fbr_perfetto *p, const struct fbr_decoder *d,
			const struct fbr_event *ev)
{
	const struct fbr_recmsg *m = ev->req.p ? &ev->req : &ev->rep;
	uint64_t ts = m->ts > p->start_clock ? m->ts - p->start_clock : 0;

	name_thread(p, m->thread);
	fbr_emit_raw(&p->e, ",\n", 2);
	p->e.first = true;
	fbr_emit_begin(&p->e, NULL);
	fbr_emit_sym(&p->e, "name", ev->kind == FBR_EV_ORPHAN ?
		     "reply to no request" : ev->opname);
	fbr_emit_sym(&p->e, "cat", ev->kind == FBR_EV_NOTIFY ? "notify" : "fuse");
	fbr_emit_sym(&p->e, "ph", ev->kind == FBR_EV_CALL ? "X" : "i");
	micros(&p->e, "ts", ts);
	if (ev->kind == FBR_EV_CALL)
		micros(&p->e, "dur", ev->rep.ts > ev->req.ts ?
		       ev->rep.ts - ev->req.ts : 0);
	else
		fbr_emit_sym(&p->e, "s", "t");
	fbr_emit_u64(&p->e, "pid", 1);
	fbr_emit_u64(&p->e, "tid", m->thread);
	slice_args(p, d, ev);
	fbr_emit_end(&p->e);
	if (p->e.len > 1 << 16)
		flush(p);
}

int fbr_perfetto_close(struct fbr_perfetto *p)
{
	int err;

	fbr_emit_raw(&p->e, "\n]}\n", 4);
	flush(p);
	err = ferror(p->out) ? -EIO : 0;
	fbr_emit_release(&p->e);
	fbr_u64map_free(&p->threads);
	free(p);
	return err;
}
