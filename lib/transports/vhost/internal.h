/*
 * The back-end's state, shared by the message handlers (handlers.c), the
 * queue threads (queue.c) and the socket loop (vhost.c).  Everything is
 * changed by the one thread reading the socket; queue threads only read
 * the ring setup, under mem_lock.
 */
#ifndef FBR_TRANSPORTS_VHOST_INTERNAL_H
#define FBR_TRANSPORTS_VHOST_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "transports/vhost/memtable.h"
#include "transports/vhost/proto.h"
#include "transports/vhost/vhost.h"

#define SUBSYS "vhost"

struct fbr_vhost_queue {
	struct fbr_vhost *dev;
	unsigned idx;
	struct fbr_vq vq;
	struct vu_vring_addr addr;
	bool addr_set;
	unsigned num;            /* SET_VRING_NUM */
	uint16_t base;           /* SET_VRING_BASE, where the next start begins */
	int kickfd, callfd, errfd;
	atomic_bool enabled;
	bool started;            /* the thread runs */
	atomic_bool stop;
	int wakefd;              /* eventfd: look at stop and enabled again */
	pthread_t thread;
	unsigned gen;            /* starts so far; under used_lock */
	/* The used ring and callfd: the queue thread and late replies push,
	   SET_VRING_CALL replaces the fd, start and stop change started. */
	pthread_mutex_t used_lock;
};

struct vu_msg {
	struct vu_header h;
	union {
		uint64_t u64;
		struct vu_vring_state state;
		struct vu_vring_addr addr;
		struct vu_mem_table table;
		struct vu_mem_single single;
		unsigned char raw[VU_MAX_PAYLOAD];
	} p;
	int fds[VU_MAX_FDS];
	unsigned nfds;
	/* The reply, for requests that have one. */
	size_t reply_size;
	union {
		uint64_t u64;
		struct vu_vring_state state;
	} reply;
};

struct fbr_vhost {
	struct fbr_vhost_opts opts;
	uint64_t features;       /* agreed by SET_FEATURES */
	uint64_t protocol;       /* agreed by SET_PROTOCOL_FEATURES */
	bool owned;
	bool broken;
	pthread_rwlock_t mem_lock; /* writers: the socket thread */
	struct fbr_memtable mem;
	struct fbr_vhost_queue q[FBR_VHOST_MAX_QUEUES];
};

/* msg.c */
/* 1 and a message, 0 on a clean hang-up, or -errno. */
int vu_recv(int fd, struct vu_msg *m);
int vu_send_reply(int fd, const struct vu_msg *m, const void *p, size_t size);
void vu_close_fds(struct vu_msg *m);

/* handlers.c */
/* Handle one message, replying on fd as it asks: 0 or -errno (socket). */
int vu_handle(struct fbr_vhost *v, int fd, struct vu_msg *m);

/* queue.c */
int vq_start(struct fbr_vhost_queue *q);
void vq_stop(struct fbr_vhost_queue *q);
void vq_stop_all(struct fbr_vhost *v);
/* Translate the ring addresses again (memory changed); under mem_lock. */
void vq_remap(struct fbr_vhost_queue *q);
void vq_init(struct fbr_vhost_queue *q, struct fbr_vhost *v, unsigned idx);
void vq_destroy(struct fbr_vhost_queue *q);
/* Forget the ring's setup (device reset); the queue is stopped. */
void vq_reset(struct fbr_vhost_queue *q);

#endif
