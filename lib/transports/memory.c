/*
 * The memory transport.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "transports/memory.h"

static int mem_payload(struct fbr_sink *s, size_t fixed, size_t size,
		       struct iovec *iov, int maxiov)
{
	struct fbr_memsink *m = (struct fbr_memsink *)s;

	(void)fixed;
	if (maxiov < 1)
		return -EINVAL;
	iov[0].iov_base = m->payload;
	iov[0].iov_len = size < m->payload_cap ? size : m->payload_cap;
	return 1;
}

static int append(struct fbr_memsink *m, const void *p, size_t len)
{
	if (!len)
		return 0;
	if (m->reply_len + len > m->reply_cap) {
		size_t cap = (m->reply_len + len) * 2;
		unsigned char *n = realloc(m->reply, cap);

		if (!n)
			return -ENOMEM;
		m->reply = n;
		m->reply_cap = cap;
	}
	memcpy(m->reply + m->reply_len, p, len);
	m->reply_len += len;
	return 0;
}

static int mem_send(struct fbr_sink *s, const struct iovec *iov, int cnt,
		    size_t placed)
{
	struct fbr_memsink *m = (struct fbr_memsink *)s;
	int err = 0;

	pthread_mutex_lock(&m->lock);
	for (int i = 0; i < cnt && !err; i++)
		err = append(m, iov[i].iov_base, iov[i].iov_len);
	if (!err && placed)
		err = append(m, m->payload, placed);
	if (!err)
		m->nreplies++;
	pthread_mutex_unlock(&m->lock);
	return err;
}

/* A deferred reply lands in the same capture, after those sent by then. */
static struct fbr_sink *mem_detach(struct fbr_sink *s)
{
	return s;
}

static const struct fbr_sink_ops mem_ops = {
	.payload = mem_payload,
	.send = mem_send,
	.detach = mem_detach,
};

int fbr_memsink_init(struct fbr_memsink *m, size_t payload_cap)
{
	memset(m, 0, sizeof(*m));
	m->sink.ops = &mem_ops;
	pthread_mutex_init(&m->lock, NULL);
	m->payload = malloc(payload_cap ? payload_cap : 1);
	if (!m->payload)
		return -ENOMEM;
	m->payload_cap = payload_cap;
	return 0;
}

void fbr_memsink_release(struct fbr_memsink *m)
{
	free(m->payload);
	free(m->reply);
	pthread_mutex_destroy(&m->lock);
	memset(m, 0, sizeof(*m));
}

void fbr_memsink_clear(struct fbr_memsink *m)
{
	pthread_mutex_lock(&m->lock);
	m->reply_len = 0;
	m->nreplies = 0;
	pthread_mutex_unlock(&m->lock);
}

int fbr_memory_dispatch(struct fbr_session *s, const void *req, size_t len,
			struct fbr_memsink *m)
{
	/* The dispatcher reads argument structs in place: align them. */
	void *buf = malloc(len ? len : 1);
	struct fbr_msg msg = { .buf = buf, .len = len };
	int ret;

	if (!buf)
		return -ENOMEM;
	memcpy(buf, req, len);
	ret = fbr_dispatch(s, &msg, &m->sink);
	free(buf);
	return ret;
}
