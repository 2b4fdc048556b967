/*
 * libFuzzer target: arbitrary bytes as guest memory holding a split
 * virtqueue (descriptor table, avail ring, indirect tables, all of it the
 * guest's to scribble on).  Every chain the device side pops must lie
 * wholly inside guest memory, readable parts before writable ones; we
 * check each iovec against the region's bounds and abort otherwise, then
 * write into the writable parts and push them back as the device would.
 * The first byte chooses the ring size and features.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "transports/virtqueue/virtqueue.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MEM (64u * 1024)
#define GPA 0x100000u   /* where guest memory starts: 0 is outside it */
#define SEGS 64

static struct fbr_memtable mem;
static unsigned char *base;     /* the device's view of guest memory */

static void setup(void)
{
	int fd = memfd_create("fuzz-guest", MFD_CLOEXEC);

	if (fd < 0 || ftruncate(fd, MEM) ||
	    fbr_mem_add(&mem, fd, GPA, MEM, GPA, 0))
		abort();
	base = fbr_mem_gpa(&mem, GPA, MEM);
	close(fd);
}

static void check_iov(const struct iovec *v, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		const unsigned char *p = v[i].iov_base;

		if (p < base || v[i].iov_len > MEM ||
		    p + v[i].iov_len > base + MEM || !v[i].iov_len)
			abort();
	}
}

/* Read what the guest offers, write what it lets us write. */
static uint32_t use_chain(const struct fbr_vq_chain *c)
{
	volatile unsigned sum = 0;
	uint32_t written = 0;

	check_iov(c->in, c->nin);
	check_iov(c->out, c->nout);
	for (unsigned i = 0; i < c->nin; i++)
		sum += ((const unsigned char *)c->in[i].iov_base)[c->in[i].iov_len - 1];
	for (unsigned i = 0; i < c->nout; i++) {
		memset(c->out[i].iov_base, 0xa5, c->out[i].iov_len);
		written += (uint32_t)c->out[i].iov_len;
	}
	return written;
}

static void run_ring(struct fbr_vq *vq)
{
	struct iovec in[SEGS], out[SEGS];
	struct fbr_vq_chain c = { .in = in, .out = out, .max = SEGS };
	int n;

	for (int i = 0; i < 256; i++) {
		n = fbr_vq_pop(vq, &c);
		if (n == 0 && !fbr_vq_rearm(vq))
			break;
		if (n == -EPROTO)
			break;
		if (n == 0)
			continue;
		if (c.head >= vq->num)
			abort();
		fbr_vq_push(vq, c.head, n > 0 ? use_chain(&c) : 0);
		fbr_vq_should_signal(vq);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fbr_vq vq = { 0 };
	unsigned num;

	if (!base)
		setup();
	if (size < 1)
		return 0;
	memset(base, 0, MEM);
	memcpy(base, data + 1, size - 1 < MEM ? size - 1 : MEM);
	num = 1u << (data[0] & 7);              /* 1 to 128 entries */
	vq.num = num;
	vq.mem = &mem;
	/* The layout a driver would choose: table, avail, then used. */
	vq.desc = (void *)base;
	vq.avail = (void *)(base + fbr_vq_desc_size(num));
	vq.used = (void *)(base + ((fbr_vq_desc_size(num) +
				    fbr_vq_avail_size(num) + 3) & ~3u));
	vq.event_idx = data[0] & 8;
	vq.indirect = data[0] & 16;
	vq.last_avail = (uint16_t)((data[0] & 32) ? 0xfff0 : 0);
	run_ring(&vq);
	return 0;
}
