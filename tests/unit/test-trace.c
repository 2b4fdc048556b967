/*
 * The trace format: what the writer records, the reader returns byte for
 * byte; snap lengths; and every way a file can be damaged yields the
 * records before the damage and then a clear -EBADMSG at the right offset.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "trace/trace.h"

static char path[] = "/tmp/fbr-test-trace-XXXXXX";

static void write_sample(uint32_t snaplen)
{
	static char big[5000];
	struct fbr_trace *t;
	struct iovec two[2] = { { "head", 4 }, { "tail!", 5 } };

	memset(big, 'b', sizeof(big));
	ok(fbr_trace_create(path, FBR_TRACE_FUSEDEV, snaplen, "test 1.0", &t) == 0,
	   "create a trace (snaplen %u)", snaplen);
	fbr_trace_write(t, FBR_REC_REQUEST, 3, two, 2);
	fbr_trace_write(t, FBR_REC_REPLY, 4, &(struct iovec){ big, sizeof(big) }, 1);
	fbr_trace_write(t, FBR_REC_NOTIFY, 0, &(struct iovec){ "", 0 }, 1);
	is_int(fbr_trace_close(t), 0, "close: no write error");
}

static int read_all(int *count, uint64_t *bad_offset)
{
	struct fbr_trace_reader *r;
	struct fbr_trace_rec rec;
	int ret;

	*count = 0;
	ret = fbr_trace_reader_open(path, &r);
	if (ret)
		return ret;
	while ((ret = fbr_trace_read(r, &rec)) == 1)
		(*count)++;
	*bad_offset = fbr_trace_reader_offset(r);
	fbr_trace_reader_close(r);
	return ret;
}

static void test_roundtrip(void)
{
	struct fbr_trace_reader *r;
	struct fbr_trace_rec rec;
	const struct fbr_trace_file_header *h;

	write_sample(0);
	is_int(fbr_trace_reader_open(path, &r), 0, "open the trace");
	h = fbr_trace_reader_header(r);
	ok(h->major == 1 && h->minor == 0 && h->transport == FBR_TRACE_FUSEDEV &&
	   !strcmp(h->tool, "test 1.0"), "header: version 1.0, fusedev, tool");
	is_int(fbr_trace_read(r, &rec), 1, "first record");
	ok(rec.h.type == FBR_REC_REQUEST && rec.h.thread == 3 &&
	   rec.h.caplen == 9 && rec.h.origlen == 9 && rec.h.rec_len == 48 &&
	   !memcmp(rec.data, "headtail!", 9), "a request gathered from two pieces");
	is_int(rec.offset, sizeof(struct fbr_trace_file_header),
	       "it starts right after the header");
	is_int(fbr_trace_read(r, &rec), 1, "second record");
	ok(rec.h.type == FBR_REC_REPLY && rec.h.caplen == 5000 &&
	   rec.h.flags == 0 && rec.data[4999] == 'b', "a 5000-byte reply, whole");
	is_int(fbr_trace_read(r, &rec), 1, "third record");
	ok(rec.h.type == FBR_REC_NOTIFY && rec.h.caplen == 0 &&
	   rec.h.rec_len == 32, "an empty notification");
	is_int(fbr_trace_read(r, &rec), 0, "then a clean end");
	fbr_trace_reader_close(r);

	write_sample(100);
	fbr_trace_reader_open(path, &r);
	fbr_trace_read(r, &rec);
	fbr_trace_read(r, &rec);
	ok(rec.h.caplen == 100 && rec.h.origlen == 5000 &&
	   (rec.h.flags & FBR_REC_TRUNCATED), "snaplen 100: cut, full length kept");
	fbr_trace_reader_close(r);
}

/* Rewrite the file with len bytes of it, or with one u32 changed. */
static void damage(off_t truncate_to, off_t at, uint32_t value)
{
	int fd = open(path, O_RDWR);

	if (truncate_to >= 0 && ftruncate(fd, truncate_to) < 0)
		diag("ftruncate: %s", strerror(errno));
	if (at >= 0 && pwrite(fd, &value, sizeof(value), at) != sizeof(value))
		diag("pwrite: %s", strerror(errno));
	close(fd);
}

static void test_damage(void)
{
	const off_t first = sizeof(struct fbr_trace_file_header);
	const off_t second = first + 48;
	uint64_t off;
	int n;

	write_sample(0);
	damage(second + 100, -1, 0);
	is_int(read_all(&n, &off), -EBADMSG, "cut inside a record: EBADMSG");
	ok(n == 1 && off == (uint64_t)second,
	   "after the whole record before it, at its offset");

	write_sample(0);
	damage(second + 10, -1, 0);
	is_int(read_all(&n, &off), -EBADMSG, "cut inside a record header: EBADMSG");
	is_int(n, 1, "one record before it");

	write_sample(0);
	damage(-1, second, 37);
	is_int(read_all(&n, &off), -EBADMSG, "record length not a multiple of 8");
	write_sample(0);
	damage(-1, second, 0xffffff00);
	is_int(read_all(&n, &off), -EBADMSG, "record length beyond any message");
	write_sample(0);
	damage(-1, second + 20, 6000);
	is_int(read_all(&n, &off), -EBADMSG, "caplen beyond its record");
	write_sample(0);
	damage(-1, 0, 0x41414141);
	is_int(read_all(&n, &off), -EBADMSG, "bad magic: not a trace");
	write_sample(0);
	damage(-1, 8, 2);
	is_int(read_all(&n, &off), -EBADMSG, "major version 2: refused");
	write_sample(0);
	damage(40, -1, 0);
	is_int(read_all(&n, &off), -EBADMSG, "a file shorter than its header");
	write_sample(0);
	damage(-1, second + 4, 99); /* type 99, flags 0 */
	is_int(read_all(&n, &off), 0, "an unknown record type is read, not refused");
	is_int(n, 3, "all three records");
}

/* A newer minor version may grow the header: its records still read. */
static void test_newer_minor(void)
{
	struct fbr_trace_file_header h;
	FILE *f = fopen(path, "rb");
	char *rest;
	size_t n;
	int count;
	uint64_t off;

	n = fread(&h, 1, sizeof(h), f);
	rest = malloc(1 << 16);
	n = fread(rest, 1, 1 << 16, f);
	fclose(f);
	h.minor = 7;
	h.header_len = sizeof(h) + 16;
	f = fopen(path, "wb");
	fwrite(&h, 1, sizeof(h), f);
	fwrite("sixteen more by.", 1, 16, f);
	fwrite(rest, 1, n, f);
	fclose(f);
	free(rest);
	is_int(read_all(&count, &off), 0, "version 1.7 with a longer header: read");
	is_int(count, 3, "every record");
}

int main(void)
{
	int fd = mkstemp(path);

	if (fd < 0)
		skip_all("cannot create a temporary file");
	close(fd);
	test_roundtrip();
	test_damage();
	test_newer_minor();
	unlink(path);
	return done_testing();
}
