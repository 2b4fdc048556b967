/*
 * The back-end's life: create it, run the message loop on one connection,
 * tear down what the front-end set up when it goes.  The loop is the only
 * writer of the device's state; see handlers.c for each message and
 * queue.c for the threads.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "transports/vhost/internal.h"
#include "fbr/log.h"

static int init_queues(struct fbr_vhost *v)
{
	for (unsigned i = 0; i < v->opts.nqueues; i++) {
		vq_init(&v->q[i], v, i);
		v->q[i].wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (v->q[i].wakefd < 0)
			return -errno;
	}
	return 0;
}

/* Memory changes are rare: let them in ahead of new readers. */
static void init_mem_lock(struct fbr_vhost *v)
{
	pthread_rwlockattr_t a;

	pthread_rwlockattr_init(&a);
	pthread_rwlockattr_setkind_np(&a,
		PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&v->mem_lock, &a);
	pthread_rwlockattr_destroy(&a);
}

int fbr_vhost_new(const struct fbr_vhost_opts *opts, struct fbr_vhost **out)
{
	struct fbr_vhost *v;
	int err;

	if (!opts->nqueues || opts->nqueues > FBR_VHOST_MAX_QUEUES ||
	    !opts->ops || !opts->ops->serve)
		return -EINVAL;
	v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->opts = *opts;
	init_mem_lock(v);
	err = init_queues(v);
	if (err) {
		fbr_vhost_free(v);
		return err;
	}
	*out = v;
	return 0;
}

void fbr_vhost_free(struct fbr_vhost *v)
{
	if (!v)
		return;
	for (unsigned i = 0; i < v->opts.nqueues; i++)
		if (v->q[i].dev)
			vq_destroy(&v->q[i]);
	fbr_mem_clear(&v->mem);
	pthread_rwlock_destroy(&v->mem_lock);
	free(v);
}

/* The front-end went away: undo everything it set up. */
static void disconnect(struct fbr_vhost *v)
{
	vq_stop_all(v);
	for (unsigned i = 0; i < v->opts.nqueues; i++)
		vq_reset(&v->q[i]);
	fbr_mem_clear(&v->mem);
	v->features = 0;
	v->protocol = 0;
	v->owned = false;
	v->broken = false;
}

int fbr_vhost_serve(struct fbr_vhost *v, int fd)
{
	struct vu_msg *m = malloc(sizeof(*m));
	int ret;

	if (!m)
		return -ENOMEM;
	while ((ret = vu_recv(fd, m)) > 0) {
		ret = vu_handle(v, fd, m);
		if (ret)
			break;
	}
	if (ret < 0)
		fbr_log(FBR_LOG_ERR, SUBSYS, "connection lost: %s",
			strerror(-ret));
	free(m);
	disconnect(v);
	return ret;
}

int fbr_vhost_broken(const struct fbr_vhost *v)
{
	return v->broken;
}

struct fbr_vq *fbr_vhost_vq(struct fbr_vhost_queue *q)
{
	return &q->vq;
}

unsigned fbr_vhost_queue_index(const struct fbr_vhost_queue *q)
{
	return q->idx;
}

void fbr_vhost_late_signal(struct fbr_vhost_queue *q)
{
	uint64_t one = 1;

	if (q->callfd >= 0 && fbr_vq_should_signal(&q->vq) &&
	    write(q->callfd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		fbr_log(FBR_LOG_WARN, SUBSYS, "queue %u: cannot signal",
			q->idx);
}

void fbr_vhost_push(struct fbr_vhost_queue *q, uint16_t head, uint32_t len)
{
	pthread_mutex_lock(&q->used_lock);
	fbr_vq_push(&q->vq, head, len);
	fbr_vhost_late_signal(q);
	pthread_mutex_unlock(&q->used_lock);
}

unsigned fbr_vhost_queue_gen(const struct fbr_vhost_queue *q)
{
	return q->gen;
}

int fbr_vhost_late_begin(struct fbr_vhost_queue *q, unsigned gen)
{
	pthread_rwlock_rdlock(&q->dev->mem_lock);
	pthread_mutex_lock(&q->used_lock);
	if (q->started && q->gen == gen && q->vq.desc && !q->vq.broken)
		return 0;
	pthread_mutex_unlock(&q->used_lock);
	pthread_rwlock_unlock(&q->dev->mem_lock);
	return -ESHUTDOWN;
}

void fbr_vhost_late_end(struct fbr_vhost_queue *q)
{
	pthread_mutex_unlock(&q->used_lock);
	pthread_rwlock_unlock(&q->dev->mem_lock);
}
