/*
 * A nudger: a thread pinned to one CPU that, each time it is poked, stats
 * the mount's root with AT_STATX_FORCE_SYNC, which makes the kernel send
 * a GETATTR through that CPU's FUSE-over-io_uring queue.  It holds nothing
 * open on the mount, so unmounting works as ever.  A statx can block while
 * nobody serves the mount, so freeing a nudger does not wait for its
 * thread: the thread frees the nudger when it ends.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "transports/fusedev/nudge.h"

struct fbr_nudger {
	int evfd;
	unsigned cpu;
	atomic_bool stop;
	char path[];
};

static void *nudger_main(void *arg)
{
	struct fbr_nudger *n = arg;
	char name[16];
	cpu_set_t set;
	struct statx st;
	eventfd_t pokes;

	snprintf(name, sizeof(name), "fbr-nudge%u", n->cpu);
	pthread_setname_np(pthread_self(), name);
	CPU_ZERO(&set);
	CPU_SET(n->cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	/* Ends only on a poke read after stop is set: free's own, which has
	   then been written. */
	for (;;) {
		if (eventfd_read(n->evfd, &pokes) < 0)
			continue; /* EINTR, at most: signals are blocked */
		if (atomic_load(&n->stop))
			break;
		statx(AT_FDCWD, n->path, AT_STATX_FORCE_SYNC, STATX_TYPE, &st);
	}
	close(n->evfd);
	free(n);
	return NULL;
}

int fbr_nudger_new(const char *path, unsigned cpu, struct fbr_nudger **out)
{
	struct fbr_nudger *n = calloc(1, sizeof(*n) + strlen(path) + 1);
	sigset_t all, old;
	pthread_attr_t attr;
	pthread_t thread;
	int err;

	if (!n)
		return -ENOMEM;
	strcpy(n->path, path);
	n->cpu = cpu;
	n->evfd = eventfd(0, EFD_CLOEXEC);
	if (n->evfd < 0) {
		err = -errno;
		free(n);
		return err;
	}
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = -pthread_create(&thread, &attr, nudger_main, n);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (err) {
		close(n->evfd);
		free(n);
		return err;
	}
	*out = n;
	return 0;
}

void fbr_nudger_poke(struct fbr_nudger *n)
{
	if (eventfd_write(n->evfd, 1) < 0)
		abort(); /* only an overflow of 2^64 - 1 pokes could */
}

void fbr_nudger_free(struct fbr_nudger *n)
{
	if (!n)
		return;
	atomic_store(&n->stop, true);
	fbr_nudger_poke(n);
}
