/*
 * A vhost-user back-end: the device side of QEMU's vhost-user protocol
 * over a unix socket.  It negotiates features, maps the guest's memory,
 * sets up the virtqueues and runs one thread per started queue; the device
 * (virtio-fs, in lib/transports/virtiofs/) only says what to do with the
 * chains a kicked queue holds.
 */
#ifndef FBR_TRANSPORTS_VHOST_H
#define FBR_TRANSPORTS_VHOST_H

#include <stdbool.h>
#include <stdint.h>

#include "transports/virtqueue/virtqueue.h"

#define FBR_VHOST_MAX_QUEUES 64

struct fbr_vhost;
struct fbr_vhost_queue;

struct fbr_vhost_ops {
	/*
	 * Serve some of a queue's available chains; return true when more
	 * may be waiting.  Runs in the queue's own thread, with guest memory
	 * held still (the table cannot change until it returns); returning
	 * now and then lets a memory change in.  Hand chains back with
	 * fbr_vhost_push().
	 */
	bool (*serve)(void *ctx, struct fbr_vhost_queue *q);
	/* Every queue has stopped (guest reset, reboot, or disconnect). */
	void (*idle)(void *ctx);
};

struct fbr_vhost_opts {
	unsigned nqueues;       /* queues the device has, at most the maximum */
	uint64_t features;      /* device-specific virtio feature bits */
	const struct fbr_vhost_ops *ops;
	void *ctx;
};

/* 0 or -errno. */
int fbr_vhost_new(const struct fbr_vhost_opts *opts, struct fbr_vhost **out);
void fbr_vhost_free(struct fbr_vhost *v);

/*
 * Speak the protocol on the connected socket fd until the front-end hangs
 * up: 0 then, or -errno for a socket error or a message we cannot even
 * frame.  Queues are stopped and guest memory unmapped on return; fd stays
 * the caller's.
 */
int fbr_vhost_serve(struct fbr_vhost *v, int fd);

/* True once the front-end broke the protocol; queues no longer run. */
int fbr_vhost_broken(const struct fbr_vhost *v);

/* For the serve callback. */
struct fbr_vq *fbr_vhost_vq(struct fbr_vhost_queue *q);
unsigned fbr_vhost_queue_index(const struct fbr_vhost_queue *q);
/* Return chain head as used (len bytes written); signal if wanted. */
void fbr_vhost_push(struct fbr_vhost_queue *q, uint16_t head, uint32_t len);

/*
 * Replies from other threads, after serve() has moved on.  The queue's
 * generation changes whenever it is (re)started; late_begin() succeeds
 * only while the queue still runs in generation gen, and then holds guest
 * memory and the used ring until late_end().  Use fbr_vq_chain_at() and
 * fbr_vq_push() in between (fbr_vhost_push() would lock again).
 */
unsigned fbr_vhost_queue_gen(const struct fbr_vhost_queue *q);
int fbr_vhost_late_begin(struct fbr_vhost_queue *q, unsigned gen);
void fbr_vhost_late_end(struct fbr_vhost_queue *q);
/* Signal the driver, if it wants; between late_begin and late_end. */
void fbr_vhost_late_signal(struct fbr_vhost_queue *q);

#endif
