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

#endif
