/*
 * Reporting a divergence on standard output, as one block:
 *
 *   --- 't.fbrt', the request at byte 10240 diverges:
 *       ... the requests before it, as fbr-trace shows them ...
 *   >>> 1.014171 [0] #28 GETATTR(nodeid=78, path="/d/f") = 0 {...}
 *       sent with nodeid 12 for 78
 *       field         expected         actual
 *     * attr.size     6                7
 *     ~ attr.mtime    1796007998.1...  1796008113.5...  (masked)
 *       ... notes: data, listings, lookup counts ...
 *
 * then the summary at the end.  Output is built in one buffer and written
 * whole, so reports from threads never interleave.
 */
#include <stdio.h>
#include <string.h>

#include "replay.h"

#define PATH_COLS 24
#define VALUE_COLS 30

static void put(struct replay *rp, const char *s)
{
	fbr_emit_raw(&rp->out, s, strlen(s));
}

static void context(struct replay *rp, const struct job *j)
{
	uint64_t k = j->seq > rp->a->context ? j->seq - rp->a->context : 0;

	for (; k < j->seq; k++) {
		const struct job *c = sched_job(rp, k);

		if (!c || !c->line.len)
			continue;
		put(rp, "    ");
		fbr_emit_raw(&rp->out, c->line.p, c->line.len);
	}
}

/* Handles are shown in hex, as fbr-trace shows them; the rest not. */
static const char *id_text(const struct remapped *r, uint64_t v, char *buf,
			   size_t size)
{
	if (!strncmp(r->what, "fh", 2))
		snprintf(buf, size, "%#llx", (unsigned long long)v);
	else
		snprintf(buf, size, "%llu", (unsigned long long)v);
	return buf;
}

/* The ids that were sent as something else than recorded. */
static void ids_line(struct replay *rp, const struct job *j)
{
	const char *sep = "    sent with ";
	char live[24], rec[24];

	for (unsigned i = 0; i < j->nids; i++) {
		const struct remapped *r = &j->ids[i];

		if (r->bound && r->rec == r->live)
			continue;
		id_text(r, r->rec, rec, sizeof(rec));
		if (r->bound)
			fbr_emit_rawf(&rp->out, "%s%s %s for %s", sep, r->what,
				      id_text(r, r->live, live, sizeof(live)), rec);
		else
			fbr_emit_rawf(&rp->out, "%s%s %s bound to nothing live",
				      sep, r->what, rec);
		sep = ", ";
	}
	if (sep[0] == ',')
		put(rp, "\n");
}

static int width(const struct verdict *v, bool path)
{
	size_t w = path ? 5 : 8;

	for (size_t i = 0; i < v->nrows; i++) {
		size_t n = path ? v->rows[i].plen : v->rows[i].elen;

		w = n > w ? n : w;
	}
	return (int)(w < (path ? PATH_COLS : VALUE_COLS) ? w
						: (path ? PATH_COLS : VALUE_COLS));
}

static void row(struct replay *rp, const struct row *r, int pw, int vw)
{
	static const char marks[] = { [MARK_SAME] = ' ', [MARK_REMAPPED] = ' ',
				      [MARK_MASKED] = '~', [MARK_DIFF] = '*' };
	const char *exp = r->exp ? r->exp : "(none)";
	const char *act = r->act ? r->act : "(none)";
	int elen = r->exp ? (int)r->elen : 6, alen = r->act ? (int)r->alen : 6;

	fbr_emit_rawf(&rp->out, "  %c %-*.*s %-*.*s", marks[r->mark], pw,
		      (int)r->plen, r->path, vw, elen, exp);
	/* A value wider than its column: the actual one goes below it. */
	if (elen > vw)
		fbr_emit_rawf(&rp->out, "\n    %*s ", pw + vw, "");
	else
		put(rp, " ");
	fbr_emit_rawf(&rp->out, "%.*s%s\n", alen, act,
		      r->mark == MARK_MASKED ? "  (masked)" :
		      r->mark == MARK_REMAPPED && !(r->elen == r->alen &&
			      !memcmp(r->exp, r->act, r->elen)) ? "  (remapped)" : "");
}

static void fields(struct replay *rp, const struct verdict *v)
{
	int pw = width(v, true), vw = width(v, false);

	if (!v->nrows)
		return;
	fbr_emit_rawf(&rp->out, "    %-*s %-*s %s\n", pw, "field", vw,
		      "expected", "actual");
	for (size_t i = 0; i < v->nrows; i++)
		row(rp, &v->rows[i], pw, vw);
}

static void notes(struct replay *rp, const struct verdict *v)
{
	const char *p = v->notes.p, *end = p + v->notes.len;

	while (p && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);

		put(rp, "    ");
		fbr_emit_raw(&rp->out, p, n);
		p += n;
	}
}

static void flush(struct replay *rp)
{
	progress_clear(&rp->progress);
	fwrite(rp->out.p, 1, rp->out.len, stdout);
	fflush(stdout);
	fbr_emit_reset(&rp->out);
}

void report(struct replay *rp, const struct job *j, const struct verdict *v)
{
	if (!j) {
		fbr_emit_rawf(&rp->out, "--- '%s', at the end of the trace:\n",
			      rp->a->file);
	} else {
		fbr_emit_rawf(&rp->out, "--- '%s', the request at byte %llu "
			      "diverges:\n", rp->a->file,
			      (unsigned long long)j->offset);
		context(rp, j);
		put(rp, ">>> ");
		fbr_emit_raw(&rp->out, j->line.p, j->line.len);
		ids_line(rp, j);
		fields(rp, v);
	}
	notes(rp, v);
	flush(rp);
}

void report_summary(struct replay *rp)
{
	const struct counts *n = &rp->n;

	if (rp->a->quiet)
		return;
	fbr_emit_rawf(&rp->out, "%s: %llu request%s replayed, %llu diverged",
		      rp->a->file, (unsigned long long)n->replayed,
		      n->replayed == 1 ? "" : "s",
		      (unsigned long long)n->differ);
	if (n->skipped)
		fbr_emit_rawf(&rp->out, "; %llu not replayed (no request, no "
			      "reply, or INTERRUPT)", (unsigned long long)n->skipped);
	put(rp, "\n");
	flush(rp);
}
