/*
 * libFuzzer target: arbitrary bytes as a trace file, read by the trace
 * reader and every record fed to the decoder, each event rendered as text
 * and as JSON and passed to the protocol checker and the summary, as
 * fbr-trace does.  The file lives in a memfd, named through /proc.
 */
#define _GNU_SOURCE 1
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "trace/check.h"
#include "trace/decode.h"
#include "trace/summary.h"
#include "trace/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct outputs {
	struct fbr_decoder *d;
	struct fbr_emit text, json;
	struct fbr_render_opts ro;
	struct fbr_check *check;
	struct fbr_summary *summary;
};

static void on_event(void *ctx, const struct fbr_event *ev)
{
	struct outputs *o = ctx;

	fbr_emit_reset(&o->text);
	fbr_emit_reset(&o->json);
	o->ro.json = false;
	fbr_decoder_render(o->d, &o->text, ev, &o->ro);
	o->ro.json = true;
	fbr_decoder_render(o->d, &o->json, ev, &o->ro);
	fbr_check_event(o->check, o->d, ev);
	fbr_summary_add(o->summary, ev);
}

static void decode_all(struct fbr_trace_reader *r, FILE *devnull)
{
	struct outputs o = { .ro = { .hexdump = true } };
	struct fbr_trace_rec rec;

	fbr_emit_init(&o.text, false);
	fbr_emit_init(&o.json, true);
	o.check = fbr_check_new(devnull, 0);
	o.summary = fbr_summary_new();
	if (o.check && o.summary && fbr_decoder_new(on_event, &o, &o.d) == 0) {
		while (fbr_trace_read(r, &rec) == 1 &&
		       fbr_decoder_feed(o.d, &rec) == 0)
			;
		fbr_decoder_finish(o.d);
		fbr_summary_print(o.summary, devnull, true);
		fbr_decoder_free(o.d);
	}
	fbr_summary_free(o.summary);
	fbr_check_free(o.check);
	fbr_emit_release(&o.text);
	fbr_emit_release(&o.json);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	struct fbr_trace_reader *r;
	char path[64];
	int fd = memfd_create("trace", MFD_CLOEXEC);

	if (!devnull)
		devnull = fopen("/dev/null", "w");
	if (fd < 0 || write(fd, data, size) != (ssize_t)size) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (fbr_trace_reader_open(path, &r) == 0) {
		decode_all(r, devnull);
		fbr_trace_reader_close(r);
	}
	close(fd);
	return 0;
}
