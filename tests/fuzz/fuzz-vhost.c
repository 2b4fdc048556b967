/*
 * libFuzzer target: arbitrary bytes as the vhost-user messages a front-end
 * sends.  The input is cut into frames by the headers' own sizes; a frame
 * whose flags have bit 6 set carries a memfd of guest memory, bit 7 an
 * eventfd, so memory tables and kick/call fds are reachable too.  The
 * back-end must answer or refuse each message and return at the end of
 * the stream, whatever came before.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "transports/vhost/proto.h"
#include "transports/vhost/vhost.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MEM (64u * 1024)
#define MAX_INPUT (16u * 1024) /* replies then fit the socket buffer */
#define MAX_FDS 32             /* fds in flight per input */

static unsigned fds_sent;

static bool serve(void *ctx, struct fbr_vhost_queue *q)
{
	struct iovec in[16], out[16];
	struct fbr_vq_chain c = { .in = in, .out = out, .max = 16 };
	struct fbr_vq *vq = fbr_vhost_vq(q);
	int n;

	(void)ctx;
	while ((n = fbr_vq_pop(vq, &c)) != 0 && n != -EPROTO)
		fbr_vhost_push(q, c.head, 0);
	return false;
}

static const struct fbr_vhost_ops ops = { .serve = serve };

static int frame_fd(uint32_t flags)
{
	int fd = -1;

	if (fds_sent >= MAX_FDS)
		return -1;
	fds_sent++;
	if (flags & 0x40) {
		fd = memfd_create("fuzz-guest", MFD_CLOEXEC);
		if (fd >= 0 && ftruncate(fd, MEM)) {
			close(fd);
			fd = -1;
		}
	} else if (flags & 0x80) {
		fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	} else {
		fds_sent--;
	}
	return fd;
}

/* Send one frame of len bytes, with an fd when its flags ask. */
static void send_frame(int sock, const uint8_t *p, size_t len)
{
	struct vu_header h;
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr a;
	} ctl;
	struct iovec iov = { (void *)p, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	int fd;

	memcpy(&h, p, sizeof(h));
	fd = frame_fd(h.flags);
	if (fd >= 0) {
		struct cmsghdr *c;

		mh.msg_control = ctl.b;
		mh.msg_controllen = sizeof(ctl.b);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(fd));
	}
	if (sendmsg(sock, &mh, MSG_NOSIGNAL) < 0)
		abort();
	if (fd >= 0)
		close(fd);
}

static void send_all(int sock, const uint8_t *data, size_t size)
{
	while (size >= sizeof(struct vu_header)) {
		struct vu_header h;
		size_t len;

		memcpy(&h, data, sizeof(h));
		len = sizeof(h) + (h.size < size - sizeof(h) ? h.size
							     : size - sizeof(h));
		send_frame(sock, data, len);
		data += len;
		size -= len;
	}
	if (size && write(sock, data, size) < 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fbr_vhost_opts o = { .nqueues = 2, .ops = &ops };
	struct fbr_vhost *v;
	int sv[2];

	if (size > MAX_INPUT)
		return 0;
	fds_sent = 0;
	if (fbr_vhost_new(&o, &v) ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		abort();
	send_all(sv[0], data, size);
	shutdown(sv[0], SHUT_WR);
	fbr_vhost_serve(v, sv[1]);
	fbr_vhost_free(v);
	close(sv[0]);
	close(sv[1]);
	return 0;
}
