/*
 * The /dev/fuse transport: getting a FUSE connection (mounting with
 * mount(2) as root, through the fusermount3 helper otherwise, or taking
 * over an fd someone else mounted) and serving it with worker threads that
 * each read a request, dispatch it and write the reply.  Library code: it
 * reports through fbr_log() and negative errnos, and installs no signal
 * handlers; the tool decides what a signal means.
 */
#ifndef FBR_TRANSPORTS_FUSEDEV_H
#define FBR_TRANSPORTS_FUSEDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/session.h"

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

struct fbr_trace;

/*
 * Start up to nthreads workers on fd (each on its own clone of it).  fd
 * stays the caller's.  With trace, every message read and written is
 * recorded there, byte for byte.  Returns 0 and *out, or a negative errno.
 */
int fbr_fusedev_start(struct fbr_session *s, int fd, unsigned nthreads,
		      struct fbr_trace *trace, struct fbr_fusedev **out);
/*
 * An eventfd that turns readable whenever the state changes; read it to
 * rearm, then look at fbr_fusedev_state().
 */
int fbr_fusedev_eventfd(const struct fbr_fusedev *d);
enum fbr_fusedev_state fbr_fusedev_state(const struct fbr_fusedev *d);
/* Why the server stopped: 0 (unmounted, DESTROY) or a negative errno. */
int fbr_fusedev_error(const struct fbr_fusedev *d);
unsigned fbr_fusedev_threads(const struct fbr_fusedev *d);
/* Fill up to max entries with the requests being served; returns the count. */
unsigned fbr_fusedev_busy(const struct fbr_fusedev *d,
			  struct fbr_fusedev_busy *b, unsigned max);
/* Stop the workers (those still reading are cancelled), wait, and free. */
void fbr_fusedev_free(struct fbr_fusedev *d);

#endif
