/*
 * Framing vhost-user messages on the socket: a 12-byte header, which
 * carries the message's fds as SCM_RIGHTS, then size bytes of payload.
 * A payload larger than any message we know cannot be framed safely, so
 * it ends the connection rather than being skipped.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "transports/vhost/internal.h"

void vu_close_fds(struct vu_msg *m)
{
	for (unsigned i = 0; i < m->nfds; i++)
		if (m->fds[i] >= 0)
			close(m->fds[i]);
	m->nfds = 0;
}

static void take_fds(struct msghdr *mh, struct vu_msg *m)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		size_t n;
		int *fds = (int *)CMSG_DATA(c);

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			if (m->nfds < VU_MAX_FDS)
				m->fds[m->nfds++] = fds[i];
			else
				close(fds[i]);
		}
	}
}

/* Read exactly len bytes; 0 at EOF before the first, or -errno. */
static ssize_t read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return got ? -EPROTO : 0;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

static ssize_t recv_header(int fd, struct vu_msg *m)
{
	union {
		char buf[CMSG_SPACE(VU_MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { &m->h, sizeof(m->h) };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	ssize_t n;

	do
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n <= 0)
		return n < 0 ? -errno : 0;
	take_fds(&mh, m);
	if (mh.msg_flags & MSG_CTRUNC)
		return -EPROTO;
	if ((size_t)n < sizeof(m->h)) {
		ssize_t rest = read_full(fd, (char *)&m->h + n,
					 sizeof(m->h) - (size_t)n);

		if (rest <= 0)
			return rest < 0 ? rest : -EPROTO;
	}
	return 1;
}

int vu_recv(int fd, struct vu_msg *m)
{
	ssize_t n;

	m->nfds = 0;
	m->reply_size = 0;
	memset(&m->reply, 0, sizeof(m->reply));
	n = recv_header(fd, m);
	if (n <= 0) {
		vu_close_fds(m);
		return (int)n;
	}
	if (m->h.size > VU_MAX_PAYLOAD) {
		vu_close_fds(m);
		return -EMSGSIZE;
	}
	memset(&m->p, 0, sizeof(m->p));
	n = m->h.size ? read_full(fd, &m->p, m->h.size) : 1;
	if (n <= 0) {
		vu_close_fds(m);
		return n < 0 ? (int)n : -EPROTO;
	}
	return 1;
}

int vu_send_reply(int fd, const struct vu_msg *m, const void *p, size_t size)
{
	struct vu_header h = {
		.request = m->h.request,
		.flags = VU_VERSION | VU_FLAG_REPLY,
		.size = (uint32_t)size,
	};
	struct iovec iov[2] = { { &h, sizeof(h) }, { (void *)p, size } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = size ? 2 : 1 };
	ssize_t n;

	do
		n = sendmsg(fd, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == sizeof(h) + size ? 0 : -EPROTO;
}
