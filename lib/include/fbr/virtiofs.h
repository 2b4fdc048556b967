/*
 * The virtio-fs device on top of the vhost-user back-end: queue 0 is the
 * hiprio queue (FORGET, no reply), queues 1..n carry requests.  Each chain
 * becomes one fbr_dispatch() call: the request header and arguments are
 * copied out of guest memory once, WRITE data stays in place as iovecs,
 * READ data is read straight into the guest's writable buffers, and the
 * reply's fixed part is written in front of it.  QEMU offers no
 * notification queue, so the session gets no notification operations:
 * fbr_notify_*() answer -ENOSYS.
 */
#ifndef FBR_VIRTIOFS_H
#define FBR_VIRTIOFS_H

#include <fbr/session.h>

/* The WRITE size to give fbr_session_opts.max_write (data_apart = true). */
#define FBR_VIRTIOFS_MAX_WRITE (1u << 20)

struct fbr_trace;

struct fbr_virtiofs_opts {
	unsigned request_queues;  /* 1 or more */
	struct fbr_trace *trace;  /* the tap (fbr's tools), or NULL */
};

struct fbr_virtiofs;

/* The session must be made with data_apart.  0 or -errno. */
int fbr_virtiofs_new(struct fbr_session *s, const struct fbr_virtiofs_opts *o,
		     struct fbr_virtiofs **out);
void fbr_virtiofs_free(struct fbr_virtiofs *f);

/*
 * Serve one front-end on the connected socket fd until it hangs up: 0, or
 * -errno.  The FUSE session is reset whenever every queue stops (guest
 * reboot, driver reset, disconnect), so the next mount starts with INIT.
 */
int fbr_virtiofs_serve(struct fbr_virtiofs *f, int fd);

#endif
