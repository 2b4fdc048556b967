/*
 * A vhost-user back-end: the device side of QEMU's vhost-user protocol
 * over a unix socket.  It negotiates features, maps the guest's memory,
 * sets up the virtqueues and runs one thread per started queue; the device
 * (virtio-fs, in lib/transports/virtiofs/) only says what to do with the
 * chains a kicked queue holds.
 */
#ifndef FBR_TRANSPORTS_VHOST_H
#define FBR_TRANSPORTS_VHOST_H

#include <stdint.h>

#include "transports/virtqueue/virtqueue.h"

#define FBR_VHOST_MAX_QUEUES 64

struct fbr_vhost;
struct fbr_vhost_queue;

struct fbr_vhost_ops {
	/*
	 * Serve the available chains of a queue.  Runs in the queue's own
	 * thread, with guest memory held still (the table cannot change until
	 * it returns).  Use fbr_vhost_signal() after pushing used entries.
	 */
	void (*serve)(void *ctx, struct fbr_vhost_queue *q);
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
/* Tell the driver about used entries, if it wants to hear now. */
void fbr_vhost_signal(struct fbr_vhost_queue *q);

#endif
