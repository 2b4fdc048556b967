/*
 * fbr-bench-trace-gen: synthesise a large trace for the decoder benchmark
 * (bench/trace-decode.sh), written with the library's trace writer.  After
 * an INIT, it repeats a realistic cycle of request and reply pairs:
 * LOOKUP, GETATTR, OPEN, READ (4 KiB), WRITE (4 KiB), RELEASE, on four
 * worker threads.
 *
 *   fbr-bench-trace-gen FILE RECORDS
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fbr/fuse_abi.h"
#include "trace/trace.h"

static struct fbr_trace *t;
static uint64_t unique, records;
static unsigned char data[4096];

static void msg(enum fbr_trace_type type, uint32_t thread, const void *h,
		size_t hl, const void *a, size_t al, const void *b, size_t bl)
{
	struct iovec iov[3] = { { (void *)h, hl }, { (void *)a, al },
				{ (void *)b, bl } };

	fbr_trace_write(t, type, thread, iov, 3);
	records++;
}

static void pair(uint32_t op, uint64_t nodeid, const void *in, size_t inl,
		 const void *tail, size_t tl, const void *out, size_t outl)
{
	struct fuse_in_header ih = { .len = (uint32_t)(sizeof(ih) + inl + tl),
				     .opcode = op, .unique = unique += 2,
				     .nodeid = nodeid, .uid = 1000, .gid = 1000 };
	struct fuse_out_header oh = { .len = (uint32_t)(sizeof(oh) + outl),
				      .unique = ih.unique };
	uint32_t thread = (uint32_t)(unique / 2 % 4);

	msg(FBR_REC_REQUEST, thread, &ih, sizeof(ih), in, inl, tail, tl);
	msg(FBR_REC_REPLY, thread, &oh, sizeof(oh), out, outl, NULL, 0);
}

static void cycle(uint64_t i)
{
	uint64_t node = 2 + i % 1000;
	char name[32];
	struct fuse_entry_out eo = { .nodeid = node, .entry_valid = 1,
				     .attr = { .ino = node, .mode = 0100644,
					       .nlink = 1, .size = 4096 } };
	struct fuse_attr_out ao = { .attr_valid = 1, .attr = eo.attr };
	struct fuse_getattr_in gi = { 0 };
	struct fuse_open_in oi = { .flags = 2 };
	struct fuse_open_out oo = { .fh = i };
	struct fuse_read_in ri = { .fh = i, .size = 4096 };
	struct fuse_write_in wi = { .fh = i, .size = 4096 };
	struct fuse_write_out wo = { .size = 4096 };
	struct fuse_release_in rl = { .fh = i, .flags = 2 };

	int n = snprintf(name, sizeof(name), "file%llu", (unsigned long long)(i % 1000));
	pair(FUSE_LOOKUP, 1, name, (size_t)n + 1, NULL, 0, &eo, sizeof(eo));
	pair(FUSE_GETATTR, node, &gi, sizeof(gi), NULL, 0, &ao, sizeof(ao));
	pair(FUSE_OPEN, node, &oi, sizeof(oi), NULL, 0, &oo, sizeof(oo));
	pair(FUSE_READ, node, &ri, sizeof(ri), NULL, 0, data, sizeof(data));
	pair(FUSE_WRITE, node, &wi, sizeof(wi), data, sizeof(data), &wo, sizeof(wo));
	pair(FUSE_RELEASE, node, &rl, sizeof(rl), NULL, 0, NULL, 0);
}

int main(int argc, char **argv)
{
	struct fuse_init_in ii = { .major = 7, .minor = 45 };
	struct fuse_init_out io = { .major = 7, .minor = 45, .max_write = 1 << 20 };
	uint64_t want;

	if (argc != 3) {
		fputs("Usage: fbr-bench-trace-gen FILE RECORDS\n", stderr);
		return 2;
	}
	want = strtoull(argv[2], NULL, 10);
	if (fbr_trace_create(argv[1], FBR_TRACE_FUSEDEV, 0, "fbr-bench", &t) != 0) {
		perror(argv[1]);
		return 1;
	}
	pair(FUSE_INIT, 0, &ii, sizeof(ii), NULL, 0, &io, sizeof(io));
	for (uint64_t i = 0; records < want; i++)
		cycle(i);
	if (fbr_trace_close(t) != 0) {
		perror(argv[1]);
		return 1;
	}
	printf("%llu records\n", (unsigned long long)records);
	return 0;
}
