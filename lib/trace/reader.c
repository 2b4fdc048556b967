/*
 * The trace reader.  Every length in a file is checked before it is used:
 * a damaged or cut-off file yields every whole record before the damage,
 * then -EBADMSG with the offset where it starts.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace/trace.h"

struct fbr_trace_reader {
	FILE *f;
	struct fbr_trace_file_header h;
	unsigned char *buf;       /* FBR_TRACE_MAX_RECORD bytes */
	uint64_t offset;          /* of the next record */
};

static int read_header(struct fbr_trace_reader *r)
{
	struct fbr_trace_file_header *h = &r->h;

	if (fread(h, 1, sizeof(*h), r->f) != sizeof(*h))
		return ferror(r->f) ? -errno : -EBADMSG;
	if (memcmp(h->magic, FBR_TRACE_MAGIC, sizeof(h->magic)) != 0 ||
	    h->major != FBR_TRACE_MAJOR || h->header_len < sizeof(*h) ||
	    h->header_len % 8 || h->header_len > 65536)
		return -EBADMSG;
	h->tool[sizeof(h->tool) - 1] = '\0';
	/* A newer minor version's longer header: skip what we do not know. */
	if (fseek(r->f, h->header_len, SEEK_SET) != 0)
		return -errno;
	r->offset = h->header_len;
	return 0;
}

int fbr_trace_reader_open(const char *path, struct fbr_trace_reader **out)
{
	struct fbr_trace_reader *r = calloc(1, sizeof(*r));
	int err;

	if (!r)
		return -ENOMEM;
	r->buf = malloc(FBR_TRACE_MAX_RECORD);
	r->f = fopen(path, "rbe");
	if (!r->buf || !r->f) {
		err = r->buf ? -errno : -ENOMEM;
		goto fail;
	}
	setvbuf(r->f, NULL, _IOFBF, 1 << 20);
	err = read_header(r);
	if (err)
		goto fail;
	*out = r;
	return 0;
fail:
	fbr_trace_reader_close(r);
	return err;
}

const struct fbr_trace_file_header *
fbr_trace_reader_header(const struct fbr_trace_reader *r)
{
	return &r->h;
}

static bool record_ok(const struct fbr_trace_record *h)
{
	return h->rec_len >= sizeof(*h) && h->rec_len % 8 == 0 &&
	       h->rec_len <= FBR_TRACE_MAX_RECORD &&
	       h->caplen <= h->rec_len - sizeof(*h) && h->origlen >= h->caplen;
}

int fbr_trace_read(struct fbr_trace_reader *r, struct fbr_trace_rec *rec)
{
	size_t n = fread(&rec->h, 1, sizeof(rec->h), r->f);
	size_t body;

	if (n == 0 && feof(r->f))
		return 0;
	if (n != sizeof(rec->h))
		return ferror(r->f) ? -errno : -EBADMSG;
	if (!record_ok(&rec->h))
		return -EBADMSG;
	body = rec->h.rec_len - sizeof(rec->h);
	if (fread(r->buf, 1, body, r->f) != body)
		return ferror(r->f) ? -errno : -EBADMSG;
	rec->data = r->buf;
	rec->offset = r->offset;
	r->offset += rec->h.rec_len;
	return 1;
}

uint64_t fbr_trace_reader_offset(const struct fbr_trace_reader *r)
{
	return r->offset;
}

void fbr_trace_reader_close(struct fbr_trace_reader *r)
{
	if (!r)
		return;
	if (r->f)
		fclose(r->f);
	free(r->buf);
	free(r);
}
