/*
 * A FUSE session and its dispatcher.
 *
 * A transport receives a request, hands it to fbr_dispatch() together with
 * a sink that knows how to send the reply back the way the request came,
 * and goes on to the next.  Nothing past this point knows which transport
 * carried the request.
 */
#ifndef FBR_SESSION_H
#define FBR_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include <fbr/driver.h>

struct fbr_sink;

struct fbr_sink_ops {
	/*
	 * Room for up to size bytes of reply payload, placed directly after
	 * the reply's fixed part of fixed bytes (out header and reply struct),
	 * so READ data can land where it is sent from.  Fills at most maxiov
	 * entries of iov (covering size bytes or fewer) and returns their
	 * count, or a negative errno.
	 */
	int (*payload)(struct fbr_sink *s, size_t fixed, size_t size,
		       struct iovec *iov, int maxiov);
	/*
	 * Send one reply: iov holds the fixed part, starting with the out
	 * header (whose len counts everything), followed by placed bytes of
	 * payload already written into the region payload() gave.
	 */
	int (*send)(struct fbr_sink *s, const struct iovec *iov, int cnt,
		    size_t placed);
	/*
	 * Optional: a sink that can send one reply without payload later,
	 * from any thread, after this request's dispatch has returned; freed
	 * with release().  NULL when the transport cannot do that.
	 */
	struct fbr_sink *(*detach)(struct fbr_sink *s);
	void (*release)(struct fbr_sink *s);
};

struct fbr_sink {
	const struct fbr_sink_ops *ops;
};

/* One request as a transport received it. */
struct fbr_msg {
	const void *buf;          /* in header and arguments, 8-byte aligned,
				     in memory the peer can no longer change */
	size_t len;
	const struct iovec *data; /* WRITE payload kept outside buf, or NULL */
	int datacnt;
};

struct fbr_session_opts {
	uint32_t max_write;       /* largest WRITE the transport can receive */
	uint64_t transport_flags; /* INIT flags the transport provides, such
				     as FUSE_PASSTHROUGH or FUSE_OVER_IO_URING */
	bool data_apart;          /* WRITE payload comes in fbr_msg.data */
};

enum fbr_session_state {
	FBR_SESSION_NEW,     /* waiting for INIT */
	FBR_SESSION_LIVE,    /* INIT answered */
};

struct fbr_session;

/* Returns NULL and sets errno on failure. */
struct fbr_session *fbr_session_new(const struct fbr_driver *drv,
				    const struct fbr_session_opts *opts);
void fbr_session_free(struct fbr_session *s);

/*
 * Handle one request: check it, call the driver, send the reply through
 * sink (or none, where none is due).  Returns 0 once the request is dealt
 * with, including with an error reply; a negative errno only when the reply
 * could not be sent.  Safe to call from many threads at once.
 */
int fbr_dispatch(struct fbr_session *s, const struct fbr_msg *m,
		 struct fbr_sink *sink);

enum fbr_session_state fbr_session_state(const struct fbr_session *s);
/* The negotiated parameters; meaningful once the session is live. */
const struct fbr_conn *fbr_session_conn(const struct fbr_session *s);
/* End a live session as DESTROY does (a virtio ring reset, a lost peer). */
void fbr_session_reset(struct fbr_session *s);

/*
 * FUSE passthrough, for a transport that can register backing files with
 * the kernel.  Set before INIT: the session then offers FUSE_PASSTHROUGH,
 * and drivers reach open() and close() through fbr_req_backing_open().
 */
struct fbr_backing_ops {
	int (*open)(void *ctx, int fd);     /* a backing id > 0, or -errno */
	void (*close)(void *ctx, int id);
};
void fbr_session_set_backing(struct fbr_session *s,
			     const struct fbr_backing_ops *ops, void *ctx);

/*
 * Add INIT flags the transport provides once it is ready to honour them
 * (FUSE_OVER_IO_URING when its rings are set up).  Before INIT.
 */
void fbr_session_offer(struct fbr_session *s, uint64_t flags);

/*
 * Notifications: messages sent to the kernel unasked, so that what it
 * caches follows changes it did not make.  A transport that can carry them
 * sets the operations (fusedev: a write on /dev/fuse; virtio-fs has no
 * notification queue in QEMU, so it sets none); setting NULL waits for
 * senders in progress, so the transport may then go.  send() takes the
 * whole message, out header first, and is called from any thread.
 */
struct fbr_notify_ops {
	int (*send)(void *ctx, const struct iovec *iov, int cnt);
};
void fbr_session_set_notify(struct fbr_session *s,
			    const struct fbr_notify_ops *ops, void *ctx);

/*
 * Each returns 0 once the kernel has taken the message, or a negative
 * errno: -ENOTCONN before INIT or after DESTROY, -ENOSYS when the
 * transport carries no notifications or the agreed protocol lacks what is
 * asked, else what the kernel said (-ENOENT: it holds no such inode, so
 * nothing of it is cached).  Safe from any thread.  The kernel handles
 * INVAL_ENTRY and DELETE, and INVAL_INODE of data (off >= 0), under locks
 * that an operation on the same directory or inode may hold while it
 * waits for its reply: never send those from such an operation.
 */
/* Attributes of ino (and, off >= 0, its cached data from off, len bytes;
   len <= 0: to the end) go stale in the kernel. */
int fbr_notify_inval_inode(struct fbr_session *s, uint64_t ino, int64_t off,
			   int64_t len);
/* Name in parent goes stale; flags: FUSE_EXPIRE_ONLY (7.38) or 0. */
int fbr_notify_inval_entry(struct fbr_session *s, uint64_t parent,
			   const char *name, uint32_t flags);
/* Name in parent, naming child, is gone: the kernel drops the dentry as
   an unlink would (-ENOENT when its dentry names another inode). */
int fbr_notify_delete(struct fbr_session *s, uint64_t parent, uint64_t child,
		      const char *name);
/* Put data into ino's page cache at off (the file grows to cover it). */
int fbr_notify_store(struct fbr_session *s, uint64_t ino, uint64_t off,
		     const struct iovec *data, int cnt);
/*
 * Ask for what ino's page cache holds from off, size bytes at most: fn
 * gets it (err 0, the offset and the bytes cached there, which may be
 * fewer or none) from the thread that dispatches the kernel's NOTIFY_REPLY,
 * or err -ENOTCONN when the session ends first.  fn is not called when
 * this returns an error.
 */
typedef void (*fbr_retrieve_fn)(void *arg, int err, uint64_t off,
				const void *data, size_t size);
int fbr_notify_retrieve(struct fbr_session *s, uint64_t ino, uint64_t off,
			uint32_t size, fbr_retrieve_fn fn, void *arg);
/* Wake the poll(2) waiters of the kernel handle kh (from a POLL request
   that asked with FUSE_POLL_SCHEDULE_NOTIFY). */
int fbr_notify_poll(struct fbr_session *s, uint64_t kh);

#endif
