/*
 * The trace writer.  Records are appended to one buffer under a mutex, so
 * the tap costs a timestamp, a lock and a copy per message.  A full buffer
 * is handed to the writer's own thread, which writes it out while the
 * workers fill the spare: a worker waits only when the spare fills before
 * the disk has taken the last buffer.  The thread also writes out what has
 * collected once a second, so that a reader following the file
 * (fbr-trace -F) sees every message within a second even when traffic
 * stops.  A write error is kept and reported at close; the server goes on
 * serving.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "fbr/driver.h"
#include "trace/trace.h"

#define BUF_SIZE (4u << 20)

struct fbr_trace {
	int fd;
	uint32_t snaplen;
	pthread_mutex_t lock;     /* everything below */
	pthread_cond_t tick;      /* to the flusher: a buffer, or stop */
	pthread_cond_t room;      /* from it: the spare is free again */
	pthread_t flusher;
	bool closing;
	unsigned char *buf;       /* being filled */
	size_t used;
	unsigned char *spare;     /* NULL while it is out being written */
	unsigned char *out;       /* handed to the flusher, out_len bytes */
	size_t out_len;
	int err;
};

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int write_all(int fd, const void *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p = (const char *)p + n;
		len -= (size_t)n;
	}
	return 0;
}

static int write_header(struct fbr_trace *t, enum fbr_trace_transport transport,
			const char *tool)
{
	struct fbr_trace_file_header h = {
		.magic = FBR_TRACE_MAGIC,
		.major = FBR_TRACE_MAJOR,
		.minor = FBR_TRACE_MINOR,
		.header_len = sizeof(h),
		.transport = transport,
		.clock = FBR_TRACE_MONOTONIC,
		.start_realtime = clock_ns(CLOCK_REALTIME),
		.start_clock = clock_ns(CLOCK_MONOTONIC),
		.snaplen = t->snaplen,
	};

	strncpy(h.tool, tool ? tool : "", sizeof(h.tool) - 1);
	return write_all(t->fd, &h, sizeof(h));
}

/* Hand the buffer being filled to the flusher; the spare must be in. */
static void hand_over(struct fbr_trace *t)
{
	t->out = t->buf;
	t->out_len = t->used;
	t->buf = t->spare;
	t->spare = NULL;
	t->used = 0;
	pthread_cond_signal(&t->tick);
}

/* Write out what was handed over, out of the lock. */
static void write_out(struct fbr_trace *t)
{
	unsigned char *full = t->out;
	size_t len = t->out_len;

	t->out = NULL;
	pthread_mutex_unlock(&t->lock);
	if (len && !t->err)
		t->err = write_all(t->fd, full, len);
	pthread_mutex_lock(&t->lock);
	t->spare = full;
	pthread_cond_broadcast(&t->room);
}

/* Wait for a buffer, the stop, or the second's end (true). */
static bool wait_tick(struct fbr_trace *t, struct timespec *until)
{
	while (!t->out && !t->closing)
		if (pthread_cond_timedwait(&t->tick, &t->lock, until) == ETIMEDOUT) {
			clock_gettime(CLOCK_MONOTONIC, until);
			until->tv_sec++;
			return true;
		}
	return false;
}

static void *flusher(void *arg)
{
	struct fbr_trace *t = arg;
	struct timespec until;

	pthread_mutex_lock(&t->lock);
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec++;
	for (;;) {
		bool second = wait_tick(t, &until);

		if (!t->out && t->used && (second || t->closing))
			hand_over(t);
		if (t->out)
			write_out(t);
		else if (t->closing)
			break;
	}
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

/* The lock, the flusher's clock, and the flusher, with no signals. */
static int start_flusher(struct fbr_trace *t)
{
	pthread_condattr_t ca;
	sigset_t all, old;
	int err;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&t->tick, &ca);
	pthread_cond_init(&t->room, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&t->lock, NULL);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&t->flusher, NULL, flusher, t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		pthread_cond_destroy(&t->tick);
		pthread_cond_destroy(&t->room);
		pthread_mutex_destroy(&t->lock);
	}
	return -err;
}

/*
 * A buffer with its pages in place: faulting them in one by one as records
 * arrive is dear under a hypervisor (a create+unlink loop on one worker
 * lost 15% to the tap that way, and nothing measurable without).
 */
static unsigned char *buf_new(void)
{
	void *p = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void buf_free(unsigned char *p)
{
	if (p)
		munmap(p, BUF_SIZE);
}

int fbr_trace_create(const char *path, enum fbr_trace_transport transport,
		     uint32_t snaplen, const char *tool, struct fbr_trace **out)
{
	struct fbr_trace *t = calloc(1, sizeof(*t));
	int err;

	if (!t)
		return -ENOMEM;
	t->snaplen = snaplen;
	t->buf = buf_new();
	t->spare = buf_new();
	t->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (!t->buf || !t->spare || t->fd < 0) {
		err = t->fd < 0 ? -errno : -ENOMEM;
		goto fail;
	}
	err = write_header(t, transport, tool);
	if (!err)
		err = start_flusher(t);
	if (err)
		goto fail;
	*out = t;
	return 0;
fail:
	if (t->fd >= 0)
		close(t->fd);
	buf_free(t->buf);
	buf_free(t->spare);
	free(t);
	return err;
}

/* Append record r and its cap bytes from iov. */
static void append(struct fbr_trace *t, struct fbr_trace_record *r,
		   const struct iovec *iov, int cnt, size_t cap)
{
	r->caplen = (uint32_t)cap;
	r->flags = cap < r->origlen ? FBR_REC_TRUNCATED : 0;
	r->rec_len = (uint32_t)((sizeof(*r) + cap + 7) & ~(size_t)7);
	pthread_mutex_lock(&t->lock);
	while (t->used + r->rec_len > BUF_SIZE) { /* others may fill it anew */
		if (t->spare)
			hand_over(t);
		else
			pthread_cond_wait(&t->room, &t->lock);
	}
	memcpy(t->buf + t->used, r, sizeof(*r));
	fbr_iov_to_buf(t->buf + t->used + sizeof(*r), iov, cnt, cap);
	memset(t->buf + t->used + sizeof(*r) + cap, 0,
	       r->rec_len - sizeof(*r) - cap);
	t->used += r->rec_len;
	pthread_mutex_unlock(&t->lock);
}

int fbr_trace_write(struct fbr_trace *t, enum fbr_trace_type type,
		    uint32_t thread, const struct iovec *iov, int cnt)
{
	struct fbr_trace_record r = { .type = (uint16_t)type, .thread = thread,
				      .ts = clock_ns(CLOCK_MONOTONIC) };
	size_t total = 0, cap;

	for (int i = 0; i < cnt; i++)
		total += iov[i].iov_len;
	cap = total;
	if (t->snaplen && cap > t->snaplen)
		cap = t->snaplen;
	if (cap > FBR_TRACE_MAX_RECORD - sizeof(r))
		cap = FBR_TRACE_MAX_RECORD - sizeof(r);
	r.origlen = (uint32_t)total;
	append(t, &r, iov, cnt, cap);
	return 0;
}

int fbr_trace_write_part(struct fbr_trace *t, enum fbr_trace_type type,
			 uint32_t thread, uint64_t ts, const void *data,
			 uint32_t caplen, uint32_t origlen)
{
	struct fbr_trace_record r = { .type = (uint16_t)type, .thread = thread,
				      .ts = ts, .origlen = origlen };
	struct iovec iov = { (void *)data, caplen };

	if (caplen > origlen || caplen > FBR_TRACE_MAX_RECORD - sizeof(r))
		return -EINVAL;
	append(t, &r, &iov, 1, caplen);
	return 0;
}

int fbr_trace_close(struct fbr_trace *t)
{
	int err;

	if (!t)
		return 0;
	pthread_mutex_lock(&t->lock);
	t->closing = true;
	pthread_cond_signal(&t->tick);
	pthread_mutex_unlock(&t->lock);
	pthread_join(t->flusher, NULL);
	if (close(t->fd) < 0 && !t->err)
		t->err = -errno;
	err = t->err;
	pthread_mutex_destroy(&t->lock);
	pthread_cond_destroy(&t->tick);
	pthread_cond_destroy(&t->room);
	buf_free(t->buf);
	buf_free(t->spare);
	free(t);
	return err;
}
