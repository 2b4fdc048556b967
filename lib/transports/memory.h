/*
 * The memory transport: requests from a byte buffer, replies into another.
 * Unit tests feed raw protocol bytes through it; fbr-replay replays traces.
 */
#ifndef FBR_TRANSPORTS_MEMORY_H
#define FBR_TRANSPORTS_MEMORY_H

#include <pthread.h>
#include <stddef.h>

#include "fbr/session.h"

struct fbr_memsink {
	struct fbr_sink sink;
	unsigned char *payload;   /* where READ and READDIR data is placed */
	size_t payload_cap;
	unsigned char *reply;     /* every reply sent, back to back */
	size_t reply_len;
	size_t reply_cap;
	unsigned nreplies;
	pthread_mutex_t lock;     /* a deferred reply may come from any thread */
};

int fbr_memsink_init(struct fbr_memsink *m, size_t payload_cap);
void fbr_memsink_release(struct fbr_memsink *m);
/* Forget the replies captured so far. */
void fbr_memsink_clear(struct fbr_memsink *m);

/* Dispatch len bytes of request (any alignment); replies land in m. */
int fbr_memory_dispatch(struct fbr_session *s, const void *req, size_t len,
			struct fbr_memsink *m);

#endif
