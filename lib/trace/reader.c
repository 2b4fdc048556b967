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
	const char *why;          /* what the last -EBADMSG was about */
	bool follow;
};

static int read_header(struct fbr_trace_reader *r)
{
	struct fbr_trace_file_header *h = &r->h;

	r->why = "not an fbr trace file (too short)";
	if (fread(h, 1, sizeof(*h), r->f) != sizeof(*h))
		return ferror(r->f) ? -errno : -EBADMSG;
	r->why = "not an fbr trace file";
	if (memcmp(h->magic, FBR_TRACE_MAGIC, sizeof(h->magic)) != 0)
		return -EBADMSG;
	r->why = "trace format version not supported";
	if (h->major != FBR_TRACE_MAJOR)
		return -EBADMSG;
	r->why = "damaged file header";
	if (h->header_len < sizeof(*h) ||
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
	return fbr_trace_reader_open_why(path, out, NULL);
}

int fbr_trace_reader_open_why(const char *path, struct fbr_trace_reader **out,
			      const char **why)
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
	if (why)
		*why = r->why ? r->why : "not an fbr trace file";
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

/* The file ended at or inside the record at r->offset. */
static int at_end(struct fbr_trace_reader *r, bool inside)
{
	if (ferror(r->f))
		return -errno;
	if (r->follow) { /* not written yet: try the same record again later */
		clearerr(r->f);
		if (fseeko(r->f, (off_t)r->offset, SEEK_SET) != 0)
			return -errno;
		return -EAGAIN;
	}
	r->why = "the file ends in the middle of a record";
	return inside ? -EBADMSG : 0;
}

int fbr_trace_read(struct fbr_trace_reader *r, struct fbr_trace_rec *rec)
{
	size_t n = fread(&rec->h, 1, sizeof(rec->h), r->f);
	size_t body;

	if (n != sizeof(rec->h))
		return at_end(r, n != 0);
	if (!record_ok(&rec->h)) {
		r->why = "a record header makes no sense";
		return -EBADMSG;
	}
	body = rec->h.rec_len - sizeof(rec->h);
	if (fread(r->buf, 1, body, r->f) != body)
		return at_end(r, true);
	rec->data = r->buf;
	rec->offset = r->offset;
	r->offset += rec->h.rec_len;
	return 1;
}

uint64_t fbr_trace_reader_offset(const struct fbr_trace_reader *r)
{
	return r->offset;
}

const char *fbr_trace_reader_error(const struct fbr_trace_reader *r)
{
	return r->why ? r->why : "damaged";
}

void fbr_trace_reader_follow(struct fbr_trace_reader *r)
{
	r->follow = true;
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
