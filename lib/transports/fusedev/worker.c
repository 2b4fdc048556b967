/*
 * The /dev/fuse workers.  Each thread owns a clone of the connection's fd
 * (so the kernel routes its replies without a shared queue), a request
 * buffer and a payload buffer, and loops read → fbr_dispatch → writev with
 * no lock between threads.  One worker starts; another is added whenever
 * every worker is busy, up to the limit: a lone client's requests then stay
 * on one hot thread instead of bouncing between sleeping ones, and parallel
 * clients still get parallel workers.  The kernel's ENODEV on read is the end of the
 * mount; the last worker out marks the server stopped.  Workers run with
 * cancellation disabled except while blocked in read(), so stopping them
 * never leaves the driver half-way through a request.  With FUSE over
 * io_uring (uring.c) the rings take over once INIT is answered, and the
 * workers are left with INIT, FORGET and INTERRUPT.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "protocol/opcode.h"
#include "trace/trace.h"
#include "fbr/fusedev.h"
#include "transports/fusedev/uring.h"
#include "fbr/log.h"

#define SUBSYS "fusedev"

/*
 * WRITE's in header and argument struct.  Requests are read to start this
 * far before a page boundary, so WRITE data lands page-aligned (where
 * O_DIRECT in the driver wants it) while the request stays contiguous.
 */
#define WRITE_HDR (sizeof(struct fuse_in_header) + sizeof(struct fuse_write_in))

struct worker {
	struct fbr_sink sink;
	struct fbr_fusedev *d;
	pthread_t thread;
	bool started;
	unsigned idx;
	int fd;
	unsigned char *inbuf;     /* page-aligned allocation */
	unsigned char *req;       /* where requests are read to */
	size_t reqcap;
	unsigned char *out;       /* READ and READDIR payload, page-aligned */

	/* The request being served, for stats; start_ns 0 when idle. */
	_Atomic uint32_t opcode;
	_Atomic uint64_t unique;
	_Atomic uint64_t start_ns;
};

struct fbr_fusedev {
	struct fbr_session *s;
	int evfd;
	_Atomic int state;        /* enum fbr_fusedev_state */
	_Atomic int error;
	atomic_uint running;
	atomic_uint idle;         /* workers waiting in read() */
	pthread_mutex_t grow_lock;
	unsigned spawned;         /* under grow_lock */
	int fd;                   /* the connection, the caller's */
	struct fbr_trace *trace;  /* the tap, or NULL */
	struct fbr_uring *ring;   /* FUSE over io_uring, or NULL */
	unsigned n;               /* the most workers there may be */
	struct worker w[];
};

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void notify(struct fbr_fusedev *d)
{
	uint64_t one = 1;

	/* Only fails when the counter is saturated: already readable. */
	if (write(d->evfd, &one, sizeof(one)) < 0)
		return;
}

static void set_state(struct fbr_fusedev *d, enum fbr_fusedev_state st)
{
	atomic_store(&d->state, st);
	notify(d);
}

static void set_error(struct fbr_fusedev *d, int err)
{
	int none = 0;

	if (atomic_compare_exchange_strong(&d->error, &none, err))
		notify(d);
}

/* The sink: payload goes to the worker's own buffer, replies in one writev. */
static int sink_payload(struct fbr_sink *s, size_t fixed, size_t size,
			struct iovec *iov, int maxiov)
{
	struct worker *w = (struct worker *)s;

	(void)fixed;
	if (maxiov < 1)
		return -EINVAL;
	iov[0].iov_base = w->out;
	iov[0].iov_len = size < FBR_FUSEDEV_MAX_WRITE ? size : FBR_FUSEDEV_MAX_WRITE;
	return 1;
}

/* The trace tap: a reply, or a notification when its unique is 0. */
static void tap_out(struct fbr_trace *t, unsigned idx, const struct iovec *iov,
		    int cnt)
{
	const struct fuse_out_header *oh = iov[0].iov_base;

	if (t)
		fbr_trace_write(t, oh->unique ? FBR_REC_REPLY : FBR_REC_NOTIFY,
				idx, iov, cnt);
}

/*
 * Replies that give the kernel a name it uses in later requests (a nodeid,
 * a file handle) are recorded before they are written, so that a trace
 * never shows a name in use before it was given (fbr-trace's paths,
 * fbr-replay's mapping); the others after, off the caller's time.
 */
static bool gives_names(uint32_t opcode)
{
	switch (opcode) {
	case FUSE_LOOKUP: case FUSE_MKNOD: case FUSE_MKDIR: case FUSE_SYMLINK:
	case FUSE_LINK: case FUSE_CREATE: case FUSE_TMPFILE:
	case FUSE_READDIRPLUS: case FUSE_OPEN: case FUSE_OPENDIR:
		return true;
	default:
		return false;
	}
}

static int sink_send(struct fbr_sink *s, const struct iovec *iov, int cnt,
		     size_t placed)
{
	struct worker *w = (struct worker *)s;
	bool first = gives_names(atomic_load(&w->opcode));
	struct iovec v[8];
	int err = 0;

	if (cnt < 1 || cnt >= (int)(sizeof(v) / sizeof(v[0])))
		return -EINVAL;
	memcpy(v, iov, (size_t)cnt * sizeof(*iov));
	if (placed)
		v[cnt++] = (struct iovec){ w->out, placed };
	if (first)
		tap_out(w->d->trace, w->idx, v, cnt);
	while (writev(w->fd, v, cnt) < 0) {
		if (errno == ENOENT)
			break; /* interrupted: the kernel stopped waiting */
		if (errno != EINTR && errno != EAGAIN) {
			err = -errno;
			break;
		}
	}
	if (!first)
		tap_out(w->d->trace, w->idx, v, cnt);
	return err;
}

/* A detached sink: a reply sent later, on a duplicate of the worker's fd
 * (the request waits in that fd's queue; the duplicate outlives the
 * worker). */
struct late_sink {
	struct fbr_sink sink;
	int fd;
	struct fbr_trace *trace;
	unsigned idx;
};

static int late_send(struct fbr_sink *s, const struct iovec *iov, int cnt,
		     size_t placed)
{
	struct late_sink *l = (struct late_sink *)s;

	if (placed)
		return -EINVAL;
	tap_out(l->trace, l->idx, iov, cnt);
	while (writev(l->fd, iov, cnt) < 0) {
		if (errno == ENOENT)
			return 0;
		if (errno != EINTR && errno != EAGAIN)
			return -errno;
	}
	return 0;
}

static void late_release(struct fbr_sink *s)
{
	struct late_sink *l = (struct late_sink *)s;

	close(l->fd);
	free(l);
}

static const struct fbr_sink_ops late_ops = {
	.send = late_send,
	.release = late_release,
};

static struct fbr_sink *sink_detach(struct fbr_sink *s)
{
	struct worker *w = (struct worker *)s;
	struct late_sink *l = malloc(sizeof(*l));

	if (!l)
		return NULL;
	l->sink.ops = &late_ops;
	l->trace = w->d->trace;
	l->idx = w->idx;
	l->fd = fcntl(w->fd, F_DUPFD_CLOEXEC, 3);
	if (l->fd < 0) {
		free(l);
		return NULL;
	}
	return &l->sink;
}

static const struct fbr_sink_ops sink_ops = {
	.payload = sink_payload,
	.send = sink_send,
	.detach = sink_detach,
};

/*
 * Notifications: the kernel takes one message per write on any of the
 * connection's fds, from any thread, with the rings too; it answers a bad
 * one with the write's error.
 */
static int notify_send(void *ctx, const struct iovec *iov, int cnt)
{
	struct fbr_fusedev *d = ctx;

	tap_out(d->trace, FBR_FUSEDEV_NOTIFY_WORKER, iov, cnt);
	while (writev(d->fd, iov, cnt) < 0) {
		if (errno != EINTR && errno != EAGAIN)
			return -errno;
	}
	return 0;
}

static const struct fbr_notify_ops notify_ops = { .send = notify_send };

/* Blocked in read() is the one place a worker may be cancelled. */
static ssize_t receive(struct worker *w)
{
	ssize_t n;
	int err;

	pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
	n = read(w->fd, w->req, w->reqcap);
	err = errno;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
	return n < 0 ? -err : n;
}

static void busy_begin(struct worker *w, const struct fuse_in_header *h)
{
	atomic_store(&w->opcode, h->opcode);
	atomic_store(&w->unique, h->unique);
	atomic_store(&w->start_ns, now_ns());
}

static void busy_end(struct worker *w)
{
	atomic_store(&w->start_ns, 0);
}

/* INIT answered decides whether the mount works at all. */
static void after_init(struct fbr_fusedev *d)
{
	if (fbr_session_state(d->s) == FBR_SESSION_LIVE) {
		int starting = FBR_FUSEDEV_STARTING;

		if (d->ring)
			fbr_uring_start(d->ring);
		if (atomic_compare_exchange_strong(&d->state, &starting,
						   FBR_FUSEDEV_LIVE))
			notify(d);
	} else {
		set_error(d, -EPROTO);
	}
}

/* Serve one request; returns true when the session has ended. */
static bool serve(struct worker *w, size_t len)
{
	const struct fuse_in_header *h = (const void *)w->req;
	struct fbr_msg m = { .buf = w->req, .len = len };
	uint32_t opcode;
	int err;

	if (w->d->trace) /* exactly what was read, even if it makes no sense */
		fbr_trace_write(w->d->trace, FBR_REC_REQUEST, w->idx,
				&(struct iovec){ w->req, len }, 1);
	if (len < sizeof(*h)) {
		fbr_log(FBR_LOG_WARN, SUBSYS, "short read: %zu bytes", len);
		return false;
	}
	opcode = h->opcode;
	busy_begin(w, h);
	err = fbr_dispatch(w->d->s, &m, &w->sink);
	busy_end(w);
	if (err && err != -ENODEV)
		fbr_log(FBR_LOG_WARN, SUBSYS, "cannot reply to %s: %s",
			fbr_opcode_name(opcode) ?: "request", strerror(-err));
	if (opcode == FUSE_INIT)
		after_init(w->d);
	return opcode == FUSE_DESTROY;
}

static void grow(struct fbr_fusedev *d);

/*
 * With the rings serving, the workers see only INIT, FORGET and INTERRUPT:
 * after a FORGET a worker waits a little, so that the kernel gathers the
 * next ones (an unlink loop's, a cache drop's) into one BATCH_FORGET
 * instead of waking a worker for each.
 */
#define FORGET_GATHER_US 500

static void gather_forgets(struct worker *w, uint32_t opcode)
{
	if ((opcode == FUSE_FORGET || opcode == FUSE_BATCH_FORGET) && w->d->ring &&
	    (fbr_session_conn(w->d->s)->want & FUSE_OVER_IO_URING))
		usleep(FORGET_GATHER_US);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	const struct fuse_in_header *h = (const void *)w->req;
	uint32_t opcode;
	int err = 0;

	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
	for (;;) {
		ssize_t n = receive(w);

		if (n == -EINTR || n == -EAGAIN)
			continue;
		if (n == -ENODEV)
			break; /* unmounted, or the connection was aborted */
		if (n < 0) {
			err = (int)n;
			fbr_log(FBR_LOG_ERR, SUBSYS, "worker %u: read: %s",
				w->idx, strerror(-err));
			break;
		}
		if (atomic_fetch_sub(&w->d->idle, 1) == 1)
			grow(w->d); /* this was the last idle worker */
		opcode = (size_t)n >= sizeof(*h) ? h->opcode : 0;
		if (serve(w, (size_t)n))
			break;
		atomic_fetch_add(&w->d->idle, 1);
		gather_forgets(w, opcode);
	}
	fbr_debug(SUBSYS, "worker %u ends", w->idx);
	if (err)
		set_error(w->d, err);
	if (atomic_fetch_sub(&w->d->running, 1) == 1)
		set_state(w->d, FBR_FUSEDEV_STOPPED);
	return NULL;
}

/* Each worker's own fd: a clone, so its replies go to its own queue. */
static int clone_fd(int fd)
{
	uint32_t src = (uint32_t)fd;
	int c = open("/dev/fuse", O_RDWR | O_CLOEXEC);

	if (c >= 0 && ioctl(c, FUSE_DEV_IOC_CLONE, &src) == 0)
		return c;
	fbr_debug(SUBSYS, "cannot clone /dev/fuse fd: %s; sharing it",
		  strerror(errno));
	if (c >= 0)
		close(c);
	c = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	return c < 0 ? -errno : c;
}

static int worker_init(struct worker *w, struct fbr_fusedev *d, int fd,
		       unsigned idx)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t insize = page + FBR_FUSEDEV_MAX_WRITE + page;

	w->sink.ops = &sink_ops;
	w->d = d;
	w->idx = idx;
	w->fd = clone_fd(fd);
	if (w->fd < 0)
		return w->fd;
	w->inbuf = aligned_alloc(page, insize);
	w->out = aligned_alloc(page, FBR_FUSEDEV_MAX_WRITE);
	if (!w->inbuf || !w->out)
		return -ENOMEM;
	w->req = w->inbuf + page - WRITE_HDR;
	w->reqcap = insize - (page - WRITE_HDR);
	return 0;
}

static void worker_release(struct worker *w)
{
	if (w->started) {
		pthread_cancel(w->thread);
		pthread_join(w->thread, NULL);
	}
	if (w->fd >= 0)
		close(w->fd);
	free(w->inbuf);
	free(w->out);
}

/*
 * The most workers there may be; they start only when all others are busy.
 * Twice the CPUs, since a worker waiting on the disk (readahead READs, an
 * fsync) holds no CPU; at least four, so slow requests never stall the
 * mount; at most sixteen, past which the kernel's single request queue and
 * the source filesystem are the limit.
 */
unsigned fbr_fusedev_default_threads(void)
{
	cpu_set_t set;
	int n = 2;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		n = 2 * CPU_COUNT(&set);
	return n < 4 ? 4 : n > 16 ? 16 : (unsigned)n;
}

/* Start worker number d->spawned; the caller holds grow_lock. */
static int spawn_one(struct fbr_fusedev *d)
{
	struct worker *w = &d->w[d->spawned];
	int err = worker_init(w, d, d->fd, d->spawned);

	if (err)
		return err;
	atomic_fetch_add(&d->running, 1);
	atomic_fetch_add(&d->idle, 1);
	err = -pthread_create(&w->thread, NULL, worker_main, w);
	if (err) {
		atomic_fetch_sub(&d->running, 1);
		atomic_fetch_sub(&d->idle, 1);
		return err;
	}
	w->started = true;
	d->spawned++;
	fbr_debug(SUBSYS, "worker %u starts", w->idx);
	return 0;
}

/* Called by a worker (signals blocked already) when none is left idle. */
static void grow(struct fbr_fusedev *d)
{
	pthread_mutex_lock(&d->grow_lock);
	if (d->spawned < d->n && atomic_load(&d->idle) == 0)
		spawn_one(d);
	pthread_mutex_unlock(&d->grow_lock);
}

/* Workers take no signals: those are for the thread that started them. */
static int spawn(struct fbr_fusedev *d)
{
	sigset_t all, old;
	int err;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pthread_mutex_lock(&d->grow_lock);
	err = spawn_one(d);
	pthread_mutex_unlock(&d->grow_lock);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return err;
}

int fbr_fusedev_start(struct fbr_session *s, int fd,
		      const struct fbr_fusedev_opts *o, struct fbr_fusedev **out)
{
	struct fbr_fusedev *d;
	int err = 0;

	if (o->threads < 1)
		return -EINVAL;
	d = calloc(1, sizeof(*d) + o->threads * sizeof(d->w[0]));
	if (!d)
		return -ENOMEM;
	d->s = s;
	d->n = o->threads;
	d->fd = fd;
	d->trace = o->trace;
	pthread_mutex_init(&d->grow_lock, NULL);
	for (unsigned i = 0; i < o->threads; i++)
		d->w[i].fd = -1;
	/* Without rings the workers serve everything: not an error. */
	if (o->uring != FBR_FUSEDEV_URING_OFF)
		fbr_uring_new(s, fd, o, &d->ring);
	d->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (d->evfd < 0)
		err = -errno;
	fbr_session_set_notify(s, &notify_ops, d);
	if (!err)
		err = spawn(d);
	if (err) {
		fbr_fusedev_free(d);
		return err;
	}
	*out = d;
	return 0;
}

int fbr_fusedev_eventfd(const struct fbr_fusedev *d)
{
	return d->evfd;
}

enum fbr_fusedev_state fbr_fusedev_state(const struct fbr_fusedev *d)
{
	return atomic_load(&d->state);
}

int fbr_fusedev_error(const struct fbr_fusedev *d)
{
	return atomic_load(&d->error);
}

unsigned fbr_fusedev_threads(const struct fbr_fusedev *d)
{
	return d->n;
}

unsigned fbr_fusedev_busy(const struct fbr_fusedev *d,
			  struct fbr_fusedev_busy *b, unsigned max)
{
	struct fbr_fusedev *dd = (struct fbr_fusedev *)d; /* atomics need it */
	uint64_t now = now_ns();
	unsigned k = 0;

	for (unsigned i = 0; i < d->n && k < max; i++) {
		struct worker *w = &dd->w[i];
		uint64_t start = atomic_load(&w->start_ns);

		if (!start)
			continue;
		b[k] = (struct fbr_fusedev_busy){
			.worker = i,
			.opcode = atomic_load(&w->opcode),
			.unique = atomic_load(&w->unique),
			.age_ns = now > start ? now - start : 0,
		};
		/* The worker moved on meanwhile: the fields may not match. */
		if (atomic_load(&w->start_ns) == start)
			k++;
	}
	return d->ring ? k + fbr_uring_busy(d->ring, b + k, max - k) : k;
}

void fbr_fusedev_free(struct fbr_fusedev *d)
{
	if (!d)
		return;
	fbr_session_set_notify(d->s, NULL, NULL); /* waits for senders */
	pthread_mutex_lock(&d->grow_lock);
	d->n = d->spawned ? d->spawned : d->n; /* no worker starts from now */
	pthread_mutex_unlock(&d->grow_lock);
	for (unsigned i = 0; i < d->n; i++)
		worker_release(&d->w[i]);
	/* After the workers: none is starting the rings any more. */
	fbr_uring_free(d->ring);
	if (d->evfd >= 0)
		close(d->evfd);
	pthread_mutex_destroy(&d->grow_lock);
	free(d);
}
