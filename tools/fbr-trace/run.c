/*
 * Running fbr-trace: read the records, feed them to the decoder, and
 * send each event that passes the filters to the outputs asked for.
 * Lines collect in one buffer written out in large pieces.  A damaged
 * file is reported after everything before the damage has been shown.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fbr-trace.h"
#include "trace/check.h"
#include "trace/decode.h"
#include "trace/perfetto.h"
#include "trace/summary.h"

#define FLUSH_AT (1u << 16)

struct state {
	const struct args *a;
	struct fbr_decoder *d;
	struct fbr_render_opts ro;
	struct fbr_emit out;
	struct fbr_summary *summary;
	struct fbr_check *check;
	struct fbr_perfetto *perfetto;
	FILE *perfetto_file;
	bool listing;
	int err;             /* -ENOMEM from an output */
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void flush_out(struct state *s)
{
	if (s->out.len)
		fwrite(s->out.p, 1, s->out.len, stdout);
	fbr_emit_reset(&s->out);
}

static void on_event(void *ctx, const struct fbr_event *ev)
{
	struct state *s = ctx;

	if (s->check)
		fbr_check_event(s->check, s->d, ev);
	if (!fbr_filter_match(&s->a->filter, s->d, ev, s->ro.start_clock))
		return;
	if (s->summary && fbr_summary_add(s->summary, ev) != 0)
		s->err = -ENOMEM;
	if (s->perfetto)
		fbr_perfetto_event(s->perfetto, s->d, ev);
	if (!s->listing)
		return;
	fbr_decoder_render(s->d, &s->out, ev, &s->ro);
	if (s->out.len >= FLUSH_AT)
		flush_out(s);
}

static int open_outputs(struct state *s, const char *title)
{
	const struct args *a = s->a;

	s->listing = !a->summary && !a->check;
	if (a->summary && !(s->summary = fbr_summary_new()))
		return -ENOMEM;
	if (a->check && !(s->check = fbr_check_new(stdout, s->ro.start_clock)))
		return -ENOMEM;
	if (!a->perfetto)
		return 0;
	s->perfetto_file = fopen(a->perfetto, "we");
	if (!s->perfetto_file) {
		errmsg("cannot create '%s': %s", a->perfetto, strerror(errno));
		return -errno;
	}
	s->perfetto = fbr_perfetto_new(s->perfetto_file, s->ro.start_clock, title);
	return s->perfetto ? 0 : -ENOMEM;
}

/* Read to the end (or, following, until a signal).  0, -EBADMSG, -errno. */
static int read_all(struct state *s, struct fbr_trace_reader *r)
{
	struct fbr_trace_rec rec;
	int ret;

	for (;;) {
		ret = fbr_trace_read(r, &rec);
		if (ret == 1)
			ret = fbr_decoder_feed(s->d, &rec);
		else if (ret == -EAGAIN && !stop) {
			flush_out(s);
			fflush(stdout);
			nanosleep(&(struct timespec){ 0, 100000000 }, NULL);
			continue;
		} else if (ret == -EAGAIN) {
			return 0;
		} else {
			return ret;
		}
		if (ret != 0 || s->err)
			return ret ? ret : s->err;
	}
}

static int finish_outputs(struct state *s)
{
	int ret = EXIT_OK;

	flush_out(s);
	if (s->summary)
		fbr_summary_print(s->summary, stdout, s->a->histogram);
	if (s->check) {
		uint64_t n = fbr_check_count(s->check);

		printf("%llu protocol violation%s\n", (unsigned long long)n,
		       n == 1 ? "" : "s");
		ret = n ? EXIT_FAIL : EXIT_OK;
	}
	if (s->perfetto && (fbr_perfetto_close(s->perfetto) != 0 ||
			    fclose(s->perfetto_file) != 0)) {
		errmsg("cannot write '%s': %s", s->a->perfetto, strerror(errno));
		ret = EXIT_FAIL;
	}
	s->perfetto = NULL;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		errmsg("write error: %s", strerror(errno));
		ret = EXIT_FAIL;
	}
	return ret;
}

static void free_state(struct state *s)
{
	fbr_emit_release(&s->out);
	fbr_summary_free(s->summary);
	fbr_check_free(s->check);
	if (s->perfetto) {
		fbr_perfetto_close(s->perfetto);
		fclose(s->perfetto_file);
	}
	fbr_decoder_free(s->d);
}

static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static int open_trace(const struct args *a, struct fbr_trace_reader **r)
{
	const char *why = NULL;
	int err = fbr_trace_reader_open_why(a->file, r, &why);

	if (err == -EBADMSG)
		errmsg("cannot read '%s': %s", a->file, why);
	else if (err)
		errmsg("cannot open '%s': %s", a->file, strerror(-err));
	return err;
}

/* After the damage: say what and where, once all before it is out. */
static void report_damage(struct fbr_trace_reader *r, const char *file)
{
	errmsg("'%s' is damaged at byte %llu: %s; everything before it "
	       "is shown", file,
	       (unsigned long long)fbr_trace_reader_offset(r),
	       fbr_trace_reader_error(r));
}

static int decode(struct state *s, struct fbr_trace_reader *r)
{
	int err = read_all(s, r), ret;

	fbr_decoder_finish(s->d);
	ret = finish_outputs(s);
	if (err == -EBADMSG) {
		report_damage(r, s->a->file);
		return EXIT_FAIL;
	}
	if (err) {
		errmsg("cannot read '%s': %s", s->a->file, strerror(-err));
		return EXIT_FAIL;
	}
	return ret;
}

int run(const struct args *a)
{
	static char obuf[1 << 20];
	struct state s = { .a = a };
	struct fbr_trace_reader *r;
	const struct fbr_trace_file_header *h;
	int ret = EXIT_FAIL;

	if (open_trace(a, &r) != 0)
		return EXIT_FAIL;
	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	h = fbr_trace_reader_header(r);
	s.ro = (struct fbr_render_opts){
		.json = a->json, .epoch = a->epoch, .hexdump = a->hexdump,
		.start_clock = h->start_clock, .start_realtime = h->start_realtime,
	};
	fbr_emit_init(&s.out, a->json);
	if (a->follow) {
		fbr_trace_reader_follow(r);
		catch_signals();
	}
	if (fbr_decoder_new(on_event, &s, &s.d) != 0)
		errmsg("out of memory");
	else if ((ret = open_outputs(&s, a->file)) != 0)
		ret == -ENOMEM ? errmsg("out of memory") : (void)0, ret = EXIT_FAIL;
	else
		ret = decode(&s, r);
	free_state(&s);
	fbr_trace_reader_close(r);
	return ret;
}
