/*
 * Raw FUSE message building for the unit tests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

void w_start(struct wire *w, uint32_t opcode, uint64_t unique, uint64_t nodeid)
{
	struct fuse_in_header h = { .opcode = opcode, .unique = unique,
				    .nodeid = nodeid, .uid = 1000, .gid = 100,
				    .pid = 4242 };

	memset(w, 0, sizeof(*w));
	w_add(w, &h, sizeof(h));
}

void w_add(struct wire *w, const void *p, size_t n)
{
	if (w->len + n > sizeof(w->b))
		n = sizeof(w->b) - w->len;
	if (n)
		memcpy(w->b + w->len, p, n);
	w->len += n;
}

void w_str(struct wire *w, const char *s)
{
	w_add(w, s, strlen(s) + 1);
}

void w_end(struct wire *w)
{
	uint32_t len = (uint32_t)w->len;

	memcpy(w->b, &len, sizeof(len));
}

void w_reply(struct wire *w, int32_t error, uint64_t unique)
{
	struct fuse_out_header oh = { .error = error, .unique = unique };

	memset(w, 0, sizeof(*w));
	w_add(w, &oh, sizeof(oh));
}

/*
 * With FBR_CORPUS_DIR set, every request sent is also saved there as a
 * seed for tests/fuzz/fuzz-dispatch: a 1 (start initialised), the bytes.
 */
static void save_seed(const struct wire *w)
{
	const char *dir = getenv("FBR_CORPUS_DIR");
	static unsigned n;
	char path[4096];
	FILE *f;

	if (!dir)
		return;
	snprintf(path, sizeof(path), "%s/seed-%04u", dir, n++);
	f = fopen(path, "wb");
	if (!f)
		return;
	fputc(1, f);
	fwrite(w->b, 1, w->len, f);
	fclose(f);
}

int w_send(struct fbr_session *s, const struct wire *w, struct fbr_memsink *m)
{
	save_seed(w);
	fbr_memsink_clear(m);
	return fbr_memory_dispatch(s, w->b, w->len, m);
}
