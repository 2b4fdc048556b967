/*
 * The /dev/fuse transport: getting a FUSE connection (mounting with
 * mount(2) as root, through the fusermount3 helper otherwise, or taking
 * over an fd someone else mounted) and serving it with worker threads that
 * each read a request, dispatch it and write the reply, and, where the
 * kernel offers it, with FUSE over io_uring's per-CPU ring queues.
 * Library code: it reports through fbr_log() and negative errnos, and
 * installs no signal handlers; the tool decides what a signal means.
 */
#ifndef FBR_FUSEDEV_H
#define FBR_FUSEDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <fbr/session.h>

/* The largest WRITE the workers accept: set fbr_session_opts.max_write to it. */
#define FBR_FUSEDEV_MAX_WRITE (1u << 20)

struct fbr_mount_opts {
	const char *fsname;        /* shown as the source in /proc/mounts */
	const char *subtype;       /* type "fuse.<subtype>"; NULL: "fuse" */
	unsigned long flags;       /* MS_RDONLY, MS_NOSUID, ... */
	bool allow_other;
	bool default_permissions;
	bool auto_unmount;         /* needs fusermount3, even as root */
	uint32_t max_read;         /* 0: the kernel's default */
};

struct fbr_mount {
	int fd;                    /* the /dev/fuse connection */
	int commfd;                /* held by a fusermount3 waiting to
				      auto-unmount, or -1 */
	char *mountpoint;          /* NULL when serving a /dev/fd/N */
	bool by_helper;            /* unmount through fusermount3 */
};

/*
 * Mount at mountpoint and fill m.  A mountpoint "/dev/fd/N" names an fd
 * already connected to a mounted FUSE filesystem (as mount.fuse3 passes
 * with drop_privileges): it is served as is.  Returns 0 or a negative
 * errno; -EPERM also when fusermount3 refused and said why on stderr.
 */
int fbr_mount(const char *mountpoint, const struct fbr_mount_opts *o,
	      struct fbr_mount *m);
/* Detach the mount (lazily: busy files keep working until closed). */
int fbr_unmount(struct fbr_mount *m);
/* Close the connection (aborting it if still mounted) and free m's parts. */
void fbr_mount_release(struct fbr_mount *m);

/*
 * Offer FUSE passthrough on connection fd: backing files are registered
 * through it (as root only; the kernel refuses others).  Before INIT.
 */
void fbr_fusedev_passthrough(struct fbr_session *s, int fd);

/* The server: worker threads on one connection. */
struct fbr_fusedev;

enum fbr_fusedev_state {
	FBR_FUSEDEV_STARTING,      /* waiting for INIT */
	FBR_FUSEDEV_LIVE,          /* INIT answered: the mount works */
	FBR_FUSEDEV_STOPPED,       /* every worker has ended */
};

/* What one worker is doing, for a stats report. */
struct fbr_fusedev_busy {
	unsigned worker;
	uint32_t opcode;
	uint64_t unique;
	uint64_t age_ns;           /* how long it has been running */
};

/* The default worker count for this machine. */
unsigned fbr_fusedev_default_threads(void);

/*
 * FUSE over io_uring: once INIT has agreed on it, the kernel hands each
 * request to a ring entry of the queue of the CPU the caller runs on, and
 * the reply goes back through the same entry, one system call per request
 * where /dev/fuse takes a read and a write.  The kernel offers it only when
 * the fuse module's enable_uring parameter is on; otherwise, and where the
 * rings cannot be set up, the workers serve everything.  INIT, FORGET and
 * INTERRUPT always come through /dev/fuse.
 *
 * Polling (poll_us) takes the sleep and the wake-up out of a ring thread's
 * part of each round trip: after a request it keeps looking for the next
 * one for that long before it sleeps, on a CPU other than its queue's so
 * as not to hold up the callers there.  A lone client's round trips get
 * shorter; the price is a CPU kept busy while requests keep coming.
 *
 * A request the kernel queues while every ring entry of its queue is busy
 * is handed out only with the queue's next reply, and a deferred reply
 * (a lock waiter's) gives none until the lock comes.  Given mountpoint,
 * a queue whose entries are all taken when a reply is deferred makes the
 * kernel send it a request of its own (a GETATTR of the root, from that
 * CPU), whose reply hands out what waits; without it such requests wait
 * for other traffic from that CPU.
 */
enum fbr_fusedev_uring {
	FBR_FUSEDEV_URING_OFF,     /* /dev/fuse reads only */
	FBR_FUSEDEV_URING_AUTO,    /* the rings where offered, quietly */
	FBR_FUSEDEV_URING_ON,      /* the same, warning where not offered */
};

/* In traces and busy reports, ring queue q's requests show as this + q. */
#define FBR_FUSEDEV_RING_WORKER 1000
/* In traces, notifications (fbr_notify_*(), from any thread) show as this. */
#define FBR_FUSEDEV_NOTIFY_WORKER 999

struct fbr_trace;

struct fbr_fusedev_opts {
	unsigned threads;          /* the most /dev/fuse workers; with the
				      rings, also about the most ring
				      threads, spread over the queues */
	struct fbr_trace *trace;   /* every message read and written is
				      recorded there, byte for byte (fbr's
				      tools); or NULL */
	enum fbr_fusedev_uring uring;
	unsigned poll_us;          /* with the rings: how long a ring thread
				      polls for its next request before it
				      sleeps (0: never); see below */
	const char *mountpoint;    /* the mount's absolute path, for the rings
				      to unstick a queue (see below); or NULL */
};

/*
 * Start serving fd: one worker (on its own clone of fd), more as they are
 * needed, and with o->uring the rings once INIT agrees on them.  fd stays
 * the caller's.  The session's notifications are written on fd until
 * fbr_fusedev_free().  Returns 0 and *out, or a negative errno.
 */
int fbr_fusedev_start(struct fbr_session *s, int fd,
		      const struct fbr_fusedev_opts *o, struct fbr_fusedev **out);
/*
 * An eventfd that turns readable whenever the state changes; read it to
 * rearm, then look at fbr_fusedev_state().
 */
int fbr_fusedev_eventfd(const struct fbr_fusedev *d);
enum fbr_fusedev_state fbr_fusedev_state(const struct fbr_fusedev *d);
/* Why the server stopped: 0 (unmounted, DESTROY) or a negative errno. */
int fbr_fusedev_error(const struct fbr_fusedev *d);
unsigned fbr_fusedev_threads(const struct fbr_fusedev *d);
/*
 * Fill up to max entries with the requests being served, by workers and
 * by ring threads; returns the count.
 */
unsigned fbr_fusedev_busy(const struct fbr_fusedev *d,
			  struct fbr_fusedev_busy *b, unsigned max);
/*
 * Stop the workers (those still reading are cancelled) and the ring
 * threads, wait, and free.
 */
void fbr_fusedev_free(struct fbr_fusedev *d);

#endif
