/*
 * The per-opcode summary.  Every latency is kept (8 bytes a call) and
 * sorted at the end, so p50 and p99 are exact rather than estimated;
 * notifications are counted under their own names.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/names.h"
#include "trace/summary.h"

#define NOTIFY_BASE (FUSE_OPCODE_MAX + 1)
#define NOTIFY_MAX 16
#define ROWS (NOTIFY_BASE + NOTIFY_MAX + 1) /* the last: unknown */

struct row {
	const char *name;
	uint64_t calls, errors, unanswered, total;
	uint64_t *lat;
	size_t nlat, cap;
};

struct fbr_summary {
	struct row rows[ROWS];
};

struct fbr_summary *fbr_summary_new(void)
{
	return calloc(1, sizeof(struct fbr_summary));
}

void fbr_summary_free(struct fbr_summary *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < ROWS; i++)
		free(s->rows[i].lat);
	free(s);
}

static struct row *row_of(struct fbr_summary *s, const struct fbr_event *ev)
{
	size_t i = ROWS - 1;

	if (ev->kind == FBR_EV_NOTIFY && ev->out.error > 0 &&
	    ev->out.error < NOTIFY_MAX)
		i = NOTIFY_BASE + (size_t)ev->out.error;
	else if (ev->req.p && ev->in.opcode <= FUSE_OPCODE_MAX)
		i = ev->in.opcode;
	s->rows[i].name = ev->req.p || ev->kind == FBR_EV_NOTIFY ?
			  ev->opname : "(reply to no request)";
	return &s->rows[i];
}

static int add_latency(struct row *r, uint64_t ns)
{
	if (r->nlat == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		uint64_t *l = realloc(r->lat, cap * sizeof(*l));

		if (!l)
			return -ENOMEM;
		r->lat = l;
		r->cap = cap;
	}
	r->lat[r->nlat++] = ns;
	r->total += ns;
	return 0;
}

int fbr_summary_add(struct fbr_summary *s, const struct fbr_event *ev)
{
	struct row *r = row_of(s, ev);

	r->calls++;
	if (ev->kind == FBR_EV_UNANSWERED)
		r->unanswered++;
	if ((ev->kind == FBR_EV_CALL || ev->kind == FBR_EV_ORPHAN) &&
	    ev->out.error < 0)
		r->errors++;
	if (ev->kind != FBR_EV_CALL)
		return 0;
	return add_latency(r, ev->rep.ts > ev->req.ts ? ev->rep.ts - ev->req.ts : 0);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_rows(const void *a, const void *b)
{
	const struct row *x = *(struct row *const *)a, *y = *(struct row *const *)b;

	if (x->total != y->total)
		return x->total > y->total ? -1 : 1;
	if (x->calls != y->calls)
		return x->calls > y->calls ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* The q-th quantile (q in percent) of sorted values, nearest rank. */
static uint64_t pct(const struct row *r, unsigned q)
{
	size_t rank = (r->nlat * q + 99) / 100;

	return r->nlat ? r->lat[rank ? rank - 1 : 0] : 0;
}

static double us(uint64_t ns)
{
	return (double)ns / 1e3;
}

static void print_row(FILE *out, const struct row *r)
{
	fprintf(out, "%-20s %9llu %7llu %11.6f", r->name,
		(unsigned long long)r->calls, (unsigned long long)r->errors,
		(double)r->total / 1e9);
	if (r->nlat)
		fprintf(out, " %10.1f %10.1f %10.1f %10.1f", us(r->total) / (double)r->nlat,
			us(pct(r, 50)), us(pct(r, 99)), us(r->lat[r->nlat - 1]));
	else
		fprintf(out, " %10s %10s %10s %10s", "-", "-", "-", "-");
	if (r->unanswered)
		fprintf(out, "  (%llu unanswered)", (unsigned long long)r->unanswered);
	fputc('\n', out);
}

/* One line per power of two of microseconds, bpftrace-style. */
static void print_histogram(FILE *out, const struct row *r)
{
	uint64_t count[64] = { 0 }, most = 0;
	int lo = 64, hi = -1;

	for (size_t i = 0; i < r->nlat; i++) {
		uint64_t v = r->lat[i] / 1000;
		int b = v ? 64 - __builtin_clzll(v) : 0;

		count[b]++;
		lo = b < lo ? b : lo;
		hi = b > hi ? b : hi;
	}
	if (hi < 0)
		return;
	fprintf(out, "\n%s latency (us):\n", r->name);
	for (int b = lo; b <= hi; b++)
		most = count[b] > most ? count[b] : most;
	for (int b = lo; b <= hi; b++) {
		unsigned long long from = b ? 1ull << (b - 1) : 0, to = 1ull << b;
		int bar = (int)(count[b] * 40 / most);

		fprintf(out, "  [%llu, %llu) %9llu |%-40.*s|\n", from, to,
			(unsigned long long)count[b], bar,
			"@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@");
	}
}

void fbr_summary_print(struct fbr_summary *s, FILE *out, bool histogram)
{
	struct row *sorted[ROWS], total = { .name = "total" };
	size_t n = 0;

	for (size_t i = 0; i < ROWS; i++) {
		struct row *r = &s->rows[i];

		if (!r->calls)
			continue;
		if (r->nlat) /* FORGET and the like: calls, no latencies */
			qsort(r->lat, r->nlat, sizeof(*r->lat), cmp_u64);
		sorted[n++] = r;
		total.calls += r->calls;
		total.errors += r->errors;
		total.unanswered += r->unanswered;
		total.total += r->total;
	}
	qsort(sorted, n, sizeof(*sorted), cmp_rows);
	fprintf(out, "%-20s %9s %7s %11s %10s %10s %10s %10s\n", "opcode", "calls",
		"errors", "total(s)", "mean(us)", "p50(us)", "p99(us)", "max(us)");
	for (size_t i = 0; i < n; i++)
		print_row(out, sorted[i]);
	fprintf(out, "%-20s %9llu %7llu %11.6f\n", total.name,
		(unsigned long long)total.calls, (unsigned long long)total.errors,
		(double)total.total / 1e9);
	for (size_t i = 0; histogram && i < n; i++)
		print_histogram(out, sorted[i]);
}
