/*
 * The queue threads.  A queue starts when its kick fd arrives (with the
 * ring's size, base and addresses already set) and stops on GET_VRING_BASE,
 * a new kick fd, a reset or the end of the connection.  Its thread waits
 * on the kick eventfd and on a wake eventfd of ours (stop, enable), and
 * serves the ring with guest memory read-locked so the table cannot be
 * unmapped under a request in flight.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "transports/vhost/internal.h"
#include "fbr/log.h"

/*
 * Reset an eventfd's count; called only when poll says it is readable.
 * False for an fd that reads like a file or a closed pipe (end of file),
 * which would wake us forever.
 */
static bool drain(int fd)
{
	uint64_t n;

	return read(fd, &n, sizeof(n)) != 0;
}

/* Serve in batches, letting a memory table change in between. */
static void serve_once(struct fbr_vhost_queue *q)
{
	struct fbr_vhost *v = q->dev;
	bool more = true;

	while (more && atomic_load(&q->enabled) && !atomic_load(&q->stop)) {
		pthread_rwlock_rdlock(&v->mem_lock);
		more = q->vq.desc && !q->vq.broken &&
		       v->opts.ops->serve(v->opts.ctx, q);
		pthread_rwlock_unlock(&v->mem_lock);
	}
}

static void *queue_thread(void *arg)
{
	struct fbr_vhost_queue *q = arg;

	serve_once(q); /* chains may wait from before a restart */
	while (!atomic_load(&q->stop)) {
		struct pollfd p[2] = {
			{ .fd = q->kickfd, .events = POLLIN },
			{ .fd = q->wakefd, .events = POLLIN },
		};

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (atomic_load(&q->stop))
			break;
		/* Read only what is readable: the front-end's eventfd may
		   be a blocking one. */
		if ((p[0].revents & (POLLERR | POLLHUP | POLLNVAL)) ||
		    ((p[0].revents & POLLIN) && !drain(q->kickfd))) {
			/* Not an eventfd we can wait on: stop, do not spin. */
			fbr_log(FBR_LOG_ERR, SUBSYS,
				"queue %u: kick fd unusable", q->idx);
			break;
		}
		if (p[1].revents & POLLIN)
			drain(q->wakefd);
		serve_once(q);
	}
	return NULL;
}

/* Point the ring at guest memory; false when it is not all mapped. */
static bool translate(struct fbr_vhost_queue *q)
{
	const struct fbr_memtable *mem = &q->dev->mem;

	q->vq.desc = fbr_mem_uva(mem, q->addr.desc, fbr_vq_desc_size(q->num));
	q->vq.avail = fbr_mem_uva(mem, q->addr.avail,
				  fbr_vq_avail_size(q->num));
	q->vq.used = fbr_mem_uva(mem, q->addr.used, fbr_vq_used_size(q->num));
	if (q->vq.desc && q->vq.avail && q->vq.used &&
	    !((uintptr_t)q->vq.desc % 16) && !((uintptr_t)q->vq.avail % 2) &&
	    !((uintptr_t)q->vq.used % 4))
		return true;
	q->vq.desc = NULL;
	q->vq.avail = NULL;
	q->vq.used = NULL;
	return false;
}

void vq_remap(struct fbr_vhost_queue *q)
{
	if (q->started && !translate(q)) {
		fbr_log(FBR_LOG_ERR, SUBSYS, "queue %u: ring left guest memory",
			q->idx);
		q->vq.broken = true;
	}
}

static void setup_ring(struct fbr_vhost_queue *q)
{
	struct fbr_vq *vq = &q->vq;
	uint64_t f = q->dev->features;

	vq->num = q->num;
	vq->mem = &q->dev->mem;
	vq->last_avail = q->base;
	vq->used_idx = __atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE);
	vq->signalled_valid = false;
	vq->event_idx = f & (1ull << VIRTIO_F_RING_EVENT_IDX);
	vq->indirect = f & (1ull << VIRTIO_F_RING_INDIRECT_DESC);
	vq->broken = false;
}

static int spawn(struct fbr_vhost_queue *q)
{
	sigset_t all, old;
	int err;

	/* Signals are for the tool's main thread, not for queue threads. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&q->thread, NULL, queue_thread, q);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return -err;
}

int vq_start(struct fbr_vhost_queue *q)
{
	int err;

	if (q->dev->broken)
		return -EIO;
	if (q->started)
		return 0;
	if (q->kickfd < 0 || !q->addr_set || !q->num)
		return -EINVAL; /* the front-end skipped a step */
	if (!translate(q))
		return -EFAULT;
	setup_ring(q);
	atomic_store(&q->stop, false);
	drain(q->wakefd);
	err = spawn(q);
	if (err)
		return err;
	pthread_mutex_lock(&q->used_lock);
	q->gen++;
	q->started = true;
	pthread_mutex_unlock(&q->used_lock);
	return 0;
}

static unsigned started_count(const struct fbr_vhost *v)
{
	unsigned n = 0;

	for (unsigned i = 0; i < v->opts.nqueues; i++)
		n += v->q[i].started;
	return n;
}

void vq_stop(struct fbr_vhost_queue *q)
{
	struct fbr_vhost *v = q->dev;
	uint64_t one = 1;

	if (!q->started)
		return;
	atomic_store(&q->stop, true);
	if (write(q->wakefd, &one, sizeof(one)) < 0)
		fbr_log(FBR_LOG_ERR, SUBSYS, "queue %u: cannot wake", q->idx);
	pthread_join(q->thread, NULL);
	pthread_mutex_lock(&q->used_lock);
	q->started = false;
	pthread_mutex_unlock(&q->used_lock);
	q->base = q->vq.last_avail;
	close(q->kickfd);
	q->kickfd = -1;
	if (!started_count(v) && v->opts.ops->idle)
		v->opts.ops->idle(v->opts.ctx);
}

void vq_stop_all(struct fbr_vhost *v)
{
	for (unsigned i = 0; i < v->opts.nqueues; i++)
		vq_stop(&v->q[i]);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void vq_reset(struct fbr_vhost_queue *q)
{
	vq_stop(q);
	close_fd(&q->kickfd);
	pthread_mutex_lock(&q->used_lock);
	close_fd(&q->callfd);
	pthread_mutex_unlock(&q->used_lock);
	close_fd(&q->errfd);
	q->addr_set = false;
	q->num = 0;
	q->base = 0;
	atomic_store(&q->enabled, false);
	memset(&q->vq, 0, sizeof(q->vq));
}

void vq_init(struct fbr_vhost_queue *q, struct fbr_vhost *v, unsigned idx)
{
	memset(q, 0, sizeof(*q));
	q->dev = v;
	q->idx = idx;
	q->kickfd = q->callfd = q->errfd = -1;
	q->wakefd = -1;
	pthread_mutex_init(&q->used_lock, NULL);
}

void vq_destroy(struct fbr_vhost_queue *q)
{
	vq_reset(q);
	close_fd(&q->wakefd);
	pthread_mutex_destroy(&q->used_lock);
}
