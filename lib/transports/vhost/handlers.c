/*
 * One small handler per vhost-user message.  A handler returns 0, a
 * negative errno when the request failed but the device is fine (the
 * front-end hears about it through REPLY_ACK), or -EPROTO when the
 * front-end broke the protocol: the device is then marked broken, its
 * queues stop, and it stays so until a reset.  Nothing a front-end sends
 * can make us abort.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "transports/vhost/internal.h"
#include "fbr/log.h"

#define ANY_SIZE UINT32_MAX

static uint64_t offered_features(const struct fbr_vhost *v)
{
	return (1ull << VIRTIO_F_VERSION_1) |
	       (1ull << VIRTIO_F_RING_INDIRECT_DESC) |
	       (1ull << VIRTIO_F_RING_EVENT_IDX) |
	       (1ull << VHOST_USER_F_PROTOCOL_FEATURES) | v->opts.features;
}

/* No CONFIG: QEMU 7.x would then ask for a config space we do not have. */
static const uint64_t offered_protocol =
	(1ull << VU_PROTO_MQ) | (1ull << VU_PROTO_REPLY_ACK) |
	(1ull << VU_PROTO_CONFIGURE_MEM_SLOTS);

static void reply_u64(struct vu_msg *m, uint64_t val)
{
	m->reply.u64 = val;
	m->reply_size = sizeof(m->reply.u64);
}

/* The queue a message names, or NULL for one the device does not have. */
static struct fbr_vhost_queue *queue_of(struct fbr_vhost *v, uint32_t idx)
{
	return idx < v->opts.nqueues ? &v->q[idx] : NULL;
}

/* The fd that came with the message, now ours; -1 when none came. */
static int take_fd(struct vu_msg *m)
{
	int fd;

	if (m->nfds != 1)
		return -1;
	fd = m->fds[0];
	m->fds[0] = -1;
	return fd;
}

static int get_features(struct fbr_vhost *v, struct vu_msg *m)
{
	reply_u64(m, offered_features(v));
	return 0;
}

static int set_features(struct fbr_vhost *v, struct vu_msg *m)
{
	if (m->p.u64 & ~offered_features(v))
		return -EPROTO;
	v->features = m->p.u64;
	return 0;
}

static int get_protocol_features(struct fbr_vhost *v, struct vu_msg *m)
{
	(void)v;
	reply_u64(m, offered_protocol);
	return 0;
}

static int set_protocol_features(struct fbr_vhost *v, struct vu_msg *m)
{
	if (m->p.u64 & ~offered_protocol)
		return -EPROTO;
	v->protocol = m->p.u64;
	return 0;
}

static int set_owner(struct fbr_vhost *v, struct vu_msg *m)
{
	(void)m;
	v->owned = true;
	return 0;
}

/* RESET_OWNER and RESET_DEVICE: back to the state of a fresh connection. */
static int reset_device(struct fbr_vhost *v, struct vu_msg *m)
{
	(void)m;
	vq_stop_all(v);
	for (unsigned i = 0; i < v->opts.nqueues; i++)
		vq_reset(&v->q[i]);
	v->features = 0;
	v->broken = false;
	return 0;
}

static void remap_all(struct fbr_vhost *v)
{
	for (unsigned i = 0; i < v->opts.nqueues; i++)
		vq_remap(&v->q[i]);
}

static int add_regions(struct fbr_vhost *v, struct vu_msg *m)
{
	for (uint32_t i = 0; i < m->p.table.nregions; i++) {
		const struct vu_mem_region *r = &m->p.table.r[i];
		int err = fbr_mem_add(&v->mem, m->fds[i], r->guest_addr,
				      r->size, r->user_addr, r->mmap_offset);

		if (err)
			return err;
	}
	return 0;
}

static int set_mem_table(struct fbr_vhost *v, struct vu_msg *m)
{
	uint32_t n = m->p.table.nregions;
	int err;

	if (n > VU_MAX_TABLE_REGIONS || m->nfds != n ||
	    m->h.size < 8 + n * sizeof(struct vu_mem_region))
		return -EPROTO;
	pthread_rwlock_wrlock(&v->mem_lock);
	fbr_mem_clear(&v->mem);
	err = add_regions(v, m);
	if (err)
		fbr_mem_clear(&v->mem);
	remap_all(v);
	pthread_rwlock_unlock(&v->mem_lock);
	return err;
}

static int add_mem_reg(struct fbr_vhost *v, struct vu_msg *m)
{
	const struct vu_mem_region *r = &m->p.single.r;
	int err;

	if (m->nfds != 1)
		return -EPROTO;
	pthread_rwlock_wrlock(&v->mem_lock);
	err = fbr_mem_add(&v->mem, m->fds[0], r->guest_addr, r->size,
			  r->user_addr, r->mmap_offset);
	remap_all(v);
	pthread_rwlock_unlock(&v->mem_lock);
	return err;
}

static int rem_mem_reg(struct fbr_vhost *v, struct vu_msg *m)
{
	const struct vu_mem_region *r = &m->p.single.r;
	int err;

	pthread_rwlock_wrlock(&v->mem_lock);
	err = fbr_mem_remove(&v->mem, r->guest_addr, r->size);
	remap_all(v);
	pthread_rwlock_unlock(&v->mem_lock);
	return err;
}

static int get_max_mem_slots(struct fbr_vhost *v, struct vu_msg *m)
{
	(void)v;
	reply_u64(m, FBR_MEM_MAX_REGIONS);
	return 0;
}

static int set_vring_num(struct fbr_vhost *v, struct vu_msg *m)
{
	struct fbr_vhost_queue *q = queue_of(v, m->p.state.index);
	uint32_t num = m->p.state.num;

	if (!q || !num || num > FBR_VQ_MAX_SIZE || (num & (num - 1)))
		return -EPROTO;
	if (q->started)
		return -EBUSY;
	q->num = num;
	return 0;
}

static int set_vring_addr(struct fbr_vhost *v, struct vu_msg *m)
{
	struct fbr_vhost_queue *q = queue_of(v, m->p.addr.index);

	if (!q)
		return -EPROTO;
	if (q->started)
		return -EBUSY;
	q->addr = m->p.addr;
	q->addr_set = true;
	return 0;
}

static int set_vring_base(struct fbr_vhost *v, struct vu_msg *m)
{
	struct fbr_vhost_queue *q = queue_of(v, m->p.state.index);

	if (!q || m->p.state.num > UINT16_MAX)
		return -EPROTO;
	if (q->started)
		return -EBUSY;
	q->base = (uint16_t)m->p.state.num;
	return 0;
}

static int get_vring_base(struct fbr_vhost *v, struct vu_msg *m)
{
	struct fbr_vhost_queue *q = queue_of(v, m->p.state.index);

	m->reply.state = (struct vu_vring_state){ m->p.state.index, 0 };
	m->reply_size = sizeof(m->reply.state);
	if (!q)
		return -EPROTO;
	vq_stop(q);
	m->reply.state.num = q->base;
	return 0;
}

/* The index and fd of SET_VRING_KICK/CALL/ERR; -EPROTO when they lie. */
static int vring_fd(struct fbr_vhost *v, struct vu_msg *m,
		    struct fbr_vhost_queue **q, int *fd)
{
	bool nofd = m->p.u64 & VU_VRING_NOFD;

	*q = queue_of(v, (uint32_t)(m->p.u64 & VU_VRING_IDX_MASK));
	if (!*q || nofd != (m->nfds == 0) || m->nfds > 1)
		return -EPROTO;
	*fd = take_fd(m);
	return 0;
}

static int set_vring_kick(struct fbr_vhost *v, struct vu_msg *m)
{
	struct fbr_vhost_queue *q;
	int fd, err = vring_fd(v, m, &q, &fd);

	if (err)
		return err;
	vq_stop(q);
	if (q->kickfd >= 0)
		close(q->kickfd);
	q->kickfd = fd;
	if (fd < 0)
		return -ENOTSUP; /* polling the ring: not done here */
	/* Without protocol features a ring runs as soon as it starts. */
	if (!(v->features & (1ull << VHOST_USER_F_PROTOCOL_FEATURES)))
		atomic_store(&q->enabled, true);
	return vq_start(q);
}

static int set_vring_call(struct fbr_vhost *v, struct vu_msg *m)
{
	struct fbr_vhost_queue *q;
	int old, fd, err = vring_fd(v, m, &q, &fd);

	if (err)
		return err;
	pthread_mutex_lock(&q->used_lock);
	old = q->callfd;
	q->callfd = fd;
	pthread_mutex_unlock(&q->used_lock);
	if (old >= 0)
		close(old);
	return 0;
}

static int set_vring_err(struct fbr_vhost *v, struct vu_msg *m)
{
	struct fbr_vhost_queue *q;
	int fd, err = vring_fd(v, m, &q, &fd);

	if (err)
		return err;
	if (q->errfd >= 0)
		close(q->errfd);
	q->errfd = fd;
	return 0;
}

static int get_queue_num(struct fbr_vhost *v, struct vu_msg *m)
{
	reply_u64(m, v->opts.nqueues);
	return 0;
}

static int set_vring_enable(struct fbr_vhost *v, struct vu_msg *m)
{
	struct fbr_vhost_queue *q = queue_of(v, m->p.state.index);
	uint64_t one = 1;

	if (!q || m->p.state.num > 1)
		return -EPROTO;
	atomic_store(&q->enabled, m->p.state.num == 1);
	if (q->started && write(q->wakefd, &one, sizeof(one)) < 0)
		return -errno;
	return 0;
}

struct vu_handler {
	int (*fn)(struct fbr_vhost *v, struct vu_msg *m);
	uint32_t size;       /* the payload it needs, or ANY_SIZE */
	bool replies;        /* has a reply of its own, not just an ack */
	const char *name;
};

#define H(req, f, sz, rep) [req] = { f, sz, rep, #req }
static const struct vu_handler handlers[VU_REQUEST_MAX] = {
	H(VU_GET_FEATURES, get_features, ANY_SIZE, true),
	H(VU_SET_FEATURES, set_features, 8, false),
	H(VU_SET_OWNER, set_owner, ANY_SIZE, false),
	H(VU_RESET_OWNER, reset_device, ANY_SIZE, false),
	H(VU_SET_MEM_TABLE, set_mem_table, ANY_SIZE, false),
	H(VU_SET_VRING_NUM, set_vring_num, 8, false),
	H(VU_SET_VRING_ADDR, set_vring_addr, 40, false),
	H(VU_SET_VRING_BASE, set_vring_base, 8, false),
	H(VU_GET_VRING_BASE, get_vring_base, 8, true),
	H(VU_SET_VRING_KICK, set_vring_kick, 8, false),
	H(VU_SET_VRING_CALL, set_vring_call, 8, false),
	H(VU_SET_VRING_ERR, set_vring_err, 8, false),
	H(VU_GET_PROTOCOL_FEATURES, get_protocol_features, ANY_SIZE, true),
	H(VU_SET_PROTOCOL_FEATURES, set_protocol_features, 8, false),
	H(VU_GET_QUEUE_NUM, get_queue_num, ANY_SIZE, true),
	H(VU_SET_VRING_ENABLE, set_vring_enable, 8, false),
	H(VU_RESET_DEVICE, reset_device, ANY_SIZE, false),
	H(VU_GET_MAX_MEM_SLOTS, get_max_mem_slots, ANY_SIZE, true),
	H(VU_ADD_MEM_REG, add_mem_reg, 40, false),
	H(VU_REM_MEM_REG, rem_mem_reg, 40, false),
};

static void mark_broken(struct fbr_vhost *v, const char *why)
{
	if (!v->broken)
		fbr_log(FBR_LOG_ERR, SUBSYS, "front-end broke the protocol "
			"(%s); device stopped until reset", why);
	v->broken = true;
	vq_stop_all(v);
}

static int run_handler(struct fbr_vhost *v, const struct vu_handler *h,
		       struct vu_msg *m)
{
	int err;

	if (h->size != ANY_SIZE && m->h.size != h->size)
		err = -EPROTO;
	else
		err = h->fn(v, m);
	if (err == -EPROTO)
		mark_broken(v, h->name);
	else if (err)
		fbr_log(FBR_LOG_WARN, SUBSYS, "%s failed: %s", h->name,
			strerror(-err));
	return err;
}

int vu_handle(struct fbr_vhost *v, int fd, struct vu_msg *m)
{
	const struct vu_handler *h =
		m->h.request < VU_REQUEST_MAX ? &handlers[m->h.request] : NULL;
	bool ack = (v->protocol & (1ull << VU_PROTO_REPLY_ACK)) &&
		   (m->h.flags & VU_FLAG_NEED_REPLY);
	int err;

	fbr_debug(SUBSYS, "request %u size %u fds %u", m->h.request,
		  m->h.size, m->nfds);
	if ((m->h.flags & VU_VERSION_MASK) != VU_VERSION) {
		mark_broken(v, "version");
		err = -EPROTO;
	} else if (!h || !h->fn) {
		fbr_log(FBR_LOG_WARN, SUBSYS, "request %u not supported",
			m->h.request);
		err = -ENOSYS;
	} else {
		err = run_handler(v, h, m);
	}
	vu_close_fds(m);
	if (h && h->fn && h->replies) /* the front-end waits: always answer */
		return vu_send_reply(fd, m, &m->reply,
				     m->reply_size ?: sizeof(uint64_t));
	if (ack) {
		uint64_t status = err ? 1 : 0;

		return vu_send_reply(fd, m, &status, sizeof(status));
	}
	return 0;
}
