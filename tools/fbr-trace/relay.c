/*
 * The relay behind `fbr-trace record`.  The traced server reads and writes
 * a SOCK_SEQPACKET socket where it would have /dev/fuse (libfuse takes
 * /dev/fd/N as its mountpoint), and two threads carry every message
 * across, one each way, recording it as the kernel sees it: requests as
 * read from /dev/fuse, replies and notifications as written to it.
 *
 * A seqpacket socket keeps message boundaries, as /dev/fuse does: one read
 * is one message.  It changes two things the server must not notice:
 *
 * - What it cannot carry.  Splice needs a pipe on the server's side,
 *   passthrough and io_uring a real /dev/fuse: their INIT flags are taken
 *   out of the kernel's offer, so the server falls back to plain reads
 *   and writes, as it does with an older kernel.
 * - How big a message may be.  One message must fit the sender's socket
 *   buffer.  record.c raises the buffers where it may; what is still too
 *   small caps max_write and max_pages in the server's INIT reply, so the
 *   kernel never sends a larger WRITE nor asks for a larger READ.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fbr/fuse_abi.h"
#include "fbr-trace.h"
#include "relay.h"

#define PAGE 4096u

/* What a socket cannot carry. */
#define MASK_LO (FUSE_SPLICE_WRITE | FUSE_SPLICE_MOVE | FUSE_SPLICE_READ)
#define MASK_HI ((FUSE_PASSTHROUGH | FUSE_OVER_IO_URING) >> 32)

static void mask_init(unsigned char *msg, size_t len)
{
	struct fuse_in_header h;
	struct fuse_init_in in;

	memcpy(&h, msg, sizeof(h));
	if (h.opcode != FUSE_INIT || len < sizeof(h) + sizeof(in))
		return;
	memcpy(&in, msg + sizeof(h), sizeof(in));
	in.flags &= ~(uint32_t)MASK_LO;
	in.flags2 &= ~(uint32_t)MASK_HI;
	memcpy(msg + sizeof(h), &in, sizeof(in));
}

/* The INIT reply: no larger WRITE or READ than the socket carries. */
static void cap_init(struct relay *r, unsigned char *msg, size_t len)
{
	struct fuse_out_header h;
	struct fuse_init_out out = { 0 };
	uint32_t pages = (r->max_msg - PAGE) / PAGE;
	size_t n = len - sizeof(h) < sizeof(out) ? len - sizeof(h) : sizeof(out);

	memcpy(&h, msg, sizeof(h));
	if (h.unique != r->init_unique || h.error || len <= sizeof(h))
		return;
	memcpy(&out, msg + sizeof(h), n);
	if (out.max_write > pages * PAGE)
		out.max_write = pages * PAGE;
	if ((out.flags & FUSE_MAX_PAGES) && out.max_pages > pages)
		out.max_pages = (uint16_t)pages;
	memcpy(msg + sizeof(h), &out, n);
}

static void record(struct relay *r, enum fbr_trace_type type,
		   const void *msg, size_t len)
{
	struct iovec iov = { (void *)msg, len };

	if (fbr_trace_write(r->trace, type, 0, &iov, 1) < 0 && !r->write_failed) {
		r->write_failed = true;
		errmsg("cannot write the trace: %s", strerror(errno));
	}
}

/* Tell the kernel a request could not reach the server. */
static void refuse(struct relay *r, const unsigned char *msg, int err)
{
	struct fuse_in_header in;
	struct fuse_out_header out = { .len = sizeof(out), .error = -err };

	memcpy(&in, msg, sizeof(in));
	out.unique = in.unique;
	if (in.opcode == FUSE_FORGET || in.opcode == FUSE_BATCH_FORGET ||
	    in.opcode == FUSE_INTERRUPT)
		return;
	record(r, FBR_REC_REPLY, &out, sizeof(out));
	(void)!write(r->devfd, &out, sizeof(out));
}

/* Wait for the kernel's next message: false once told to stop. */
static bool wait_kernel(struct relay *r)
{
	struct pollfd p[2] = { { r->devfd, POLLIN, 0 }, { r->stopfd, POLLIN, 0 } };

	while (poll(p, 2, -1) < 0)
		if (errno != EINTR)
			return false;
	return !p[1].revents;
}

/* Kernel to server, until the kernel ends the connection (ENODEV). */
static void *to_server(void *arg)
{
	struct relay *r = arg;
	unsigned char *buf = malloc(r->bufsize);
	ssize_t n;

	bool stopped = false;

	while (buf && !(stopped = !wait_kernel(r))) {
		n = read(r->devfd, buf, r->bufsize);
		if (n < 0 && (errno == EINTR || errno == EAGAIN ||
			      errno == ENOENT))
			continue;
		if (n < (ssize_t)sizeof(struct fuse_in_header))
			break;
		record(r, FBR_REC_REQUEST, buf, (size_t)n);
		mask_init(buf, (size_t)n);
		if (((struct fuse_in_header *)buf)->opcode == FUSE_INIT)
			r->init_unique = ((struct fuse_in_header *)buf)->unique;
		if (send(r->sock, buf, (size_t)n, MSG_NOSIGNAL) < 0) {
			if (errno != EMSGSIZE)
				break;
			refuse(r, buf, EIO);
		}
	}
	free(buf);
	if (stopped)
		return NULL;
	/* Unmounted: libfuse ends its loop cleanly on SIGTERM; a server
	   gone to the background ends at the end of its socket. */
	if (!r->server || kill(r->server, SIGTERM) < 0)
		shutdown(r->sock, SHUT_WR);
	return NULL;
}

/* Server to kernel, until the server closes its end. */
static void *to_kernel(void *arg)
{
	struct relay *r = arg;
	unsigned char *buf = malloc(r->bufsize);
	struct fuse_out_header h;
	ssize_t n;

	while (buf) {
		n = recv(r->sock, buf, r->bufsize, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (n < (ssize_t)sizeof(h))
			continue; /* the kernel would refuse it too */
		cap_init(r, buf, (size_t)n);
		memcpy(&h, buf, sizeof(h));
		record(r, h.unique ? FBR_REC_REPLY : FBR_REC_NOTIFY, buf,
		       (size_t)n);
		/* ENOENT: the request was interrupted and is gone. */
		if (write(r->devfd, buf, (size_t)n) < 0 && errno == ENODEV)
			break;
	}
	free(buf);
	kill(getpid(), SIGUSR1);
	return NULL;
}

int relay_start(struct relay *r)
{
	int err = pthread_create(&r->threads[0], NULL, to_server, r);

	if (err)
		return -err;
	err = pthread_create(&r->threads[1], NULL, to_kernel, r);
	if (err) {
		shutdown(r->sock, SHUT_RDWR);
		pthread_join(r->threads[0], NULL);
		return -err;
	}
	return 0;
}

void relay_stop(struct relay *r)
{
	eventfd_write(r->stopfd, 1);
}

void relay_join(struct relay *r)
{
	pthread_join(r->threads[0], NULL);
	pthread_join(r->threads[1], NULL);
}
