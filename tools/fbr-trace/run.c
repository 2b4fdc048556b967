/*
 * Running fbr-trace: read the records, feed them to the decoder, and
 * send each event that passes the filters to the outputs asked for.
 * The decoding takes records from elsewhere too (kernel.c).
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

struct decoding {
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

static void flush_out(struct decoding *s)
{
	if (s->out.len)
		fwrite(s->out.p, 1, s->out.len, stdout);
	fbr_emit_reset(&s->out);
}

static void on_event(void *ctx, const struct fbr_event *ev)
{
	struct decoding *s = ctx;

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

static int open_outputs(struct decoding *s, const char *title)
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
static int read_all(struct decoding *d, struct fbr_trace_reader *r)
{
	struct fbr_trace_rec rec;
	int ret;

	for (;;) {
		ret = fbr_trace_read(r, &rec);
		if (ret == 1)
			ret = decoding_feed(d, &rec);
		else if (ret == -EAGAIN && !stop) {
			decoding_flush(d);
			nanosleep(&(struct timespec){ 0, 100000000 }, NULL);
			continue;
		} else if (ret == -EAGAIN) {
			return 0;
		} else {
			return ret;
		}
		if (ret != 0)
			return ret;
	}
}

static int finish_outputs(struct decoding *s)
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

static void free_state(struct decoding *s)
{
	fbr_emit_release(&s->out);
	fbr_summary_free(s->summary);
	fbr_check_free(s->check);
	if (s->perfetto) {
		fbr_perfetto_close(s->perfetto);
		fclose(s->perfetto_file);
	}
	fbr_decoder_free(s->d);
	free(s);
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

int decoding_open(const struct args *a, const struct fbr_trace_file_header *h,
		  const char *title, struct decoding **out)
{
	static char obuf[1 << 20];
	struct decoding *s = calloc(1, sizeof(*s));
	int err;

	if (!s) {
		errmsg("out of memory");
		return EXIT_FAIL;
	}
	s->a = a;
	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	s->ro = (struct fbr_render_opts){
		.json = a->json, .epoch = a->epoch, .hexdump = a->hexdump,
		.start_clock = h->start_clock, .start_realtime = h->start_realtime,
	};
	fbr_emit_init(&s->out, a->json);
	err = fbr_decoder_new(on_event, s, &s->d);
	if (!err)
		err = open_outputs(s, title);
	if (err) {
		if (err == -ENOMEM)
			errmsg("out of memory");
		free_state(s);
		return EXIT_FAIL;
	}
	*out = s;
	return EXIT_OK;
}

int decoding_feed(struct decoding *s, const struct fbr_trace_rec *rec)
{
	int err = fbr_decoder_feed(s->d, rec);

	return err ? err : s->err;
}

void decoding_flush(struct decoding *s)
{
	flush_out(s);
	fflush(stdout);
}

int decoding_close(struct decoding *s)
{
	int ret;

	fbr_decoder_finish(s->d);
	ret = finish_outputs(s);
	free_state(s);
	return ret;
}

int run(const struct args *a)
{
	struct fbr_trace_reader *r;
	struct decoding *d;
	int err, ret;

	if (open_trace(a, &r) != 0)
		return EXIT_FAIL;
	if (a->follow) {
		fbr_trace_reader_follow(r);
		catch_signals();
	}
	ret = decoding_open(a, fbr_trace_reader_header(r), a->file, &d);
	if (ret != EXIT_OK) {
		fbr_trace_reader_close(r);
		return ret;
	}
	err = read_all(d, r);
	ret = decoding_close(d);
	if (err == -EBADMSG) {
		report_damage(r, a->file);
		ret = EXIT_FAIL;
	} else if (err) {
		if (err == -ENOMEM)
			errmsg("out of memory");
		else
			errmsg("cannot read '%s': %s", a->file, strerror(-err));
		ret = EXIT_FAIL;
	}
	fbr_trace_reader_close(r);
	return ret;
}
