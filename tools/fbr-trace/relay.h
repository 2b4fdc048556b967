/*
 * The relay of `fbr-trace record` (relay.c): every FUSE message between
 * the kernel's /dev/fuse and a server's socket, recorded on the way.
 */
#ifndef FBR_TRACE_RELAY_H
#define FBR_TRACE_RELAY_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#include "trace/trace.h"

struct relay {
	int devfd;                 /* the kernel's end: /dev/fuse */
	int sock;                  /* ours of the server's socket pair */
	int stopfd;                /* an eventfd: relay_stop() */
	struct fbr_trace *trace;
	size_t bufsize;            /* the largest message either way */
	uint32_t max_msg;          /* the largest the socket carries */
	uint64_t init_unique;      /* INIT's, to find its reply */
	bool write_failed;         /* the trace: said once */
	_Atomic pid_t server;      /* the server while it runs, else 0 */
	pthread_t threads[2];
};

/*
 * Start both threads (devfd, sock, stopfd, trace, sizes set).  0 or
 * -errno.  When the kernel ends the connection, the server is told
 * SIGTERM (or, gone to the background, sees its socket end); when the
 * server closes its socket, the process gets SIGUSR1.
 */
int relay_start(struct relay *r);
/* Make the kernel-side thread end even if the kernel sends nothing more. */
void relay_stop(struct relay *r);
/* Wait for both threads to end. */
void relay_join(struct relay *r);

#endif
