/*
 * The driver interface: what a filesystem implements to be served by fbr.
 *
 * A driver is a struct of function pointers and an opaque pointer.  Every
 * operation returns 0 (or a byte count where it says so) on success and a
 * negative errno on failure; the dispatcher turns that into the wire reply.
 * An operation left NULL answers ENOSYS (IOCTL: ENOTTY) for that operation
 * only.  Nodeids are the driver's own 64-bit names for inodes; FUSE_ROOT_ID
 * is the root.  Operations may be called from many threads at once.
 */
#ifndef FBR_DRIVER_H
#define FBR_DRIVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include <fbr/fuse_abi.h>

struct fbr_req;
struct fbr_dirbuf;

/* Who asks: the caller's credentials as the kernel reports them. */
struct fbr_ctx {
	uint32_t uid;
	uint32_t gid;
	uint32_t pid;
	uint32_t umask;          /* of create-type requests, else 0 */
	uint32_t nsupp;          /* FUSE_CREATE_SUPP_GROUP: extra group, if 1 */
	uint32_t supp_gid;
	struct fbr_req *req;     /* for fbr_req_interrupted() */
	/* Or'ed into the nodeids a driver names in notifications: set by a
	   driver that serves others under one mount (vfs), else 0. */
	uint64_t nodeid_high;
};

/* INIT negotiation, handed to the driver's init(). */
struct fbr_conn {
	uint32_t minor;          /* negotiated protocol minor */
	uint64_t kernel_flags;   /* what the kernel offered */
	uint64_t capable;        /* offered, and possible for this server */
	uint64_t want;           /* set by the driver; the dispatcher masks it */
	uint32_t max_write;
	uint32_t max_readahead;
	uint16_t max_background;
	uint16_t congestion_threshold;
	uint32_t time_gran;
	uint32_t max_stack_depth;
};

struct fbr_driver_ops {
	int (*init)(void *fs, struct fbr_conn *conn);
	void (*destroy)(void *fs);

	int (*lookup)(void *fs, const struct fbr_ctx *c, uint64_t parent,
		      const char *name, struct fuse_entry_out *out);
	void (*forget)(void *fs, uint64_t ino, uint64_t nlookup);
	int (*getattr)(void *fs, const struct fbr_ctx *c, uint64_t ino,
		       const struct fuse_getattr_in *in, struct fuse_attr_out *out);
	int (*setattr)(void *fs, const struct fbr_ctx *c, uint64_t ino,
		       const struct fuse_setattr_in *in, struct fuse_attr_out *out);
	int (*statx)(void *fs, const struct fbr_ctx *c, uint64_t ino,
		     const struct fuse_statx_in *in, struct fuse_statx_out *out);
	/* Returns the target's length; a target longer than size is -ENAMETOOLONG. */
	int (*readlink)(void *fs, const struct fbr_ctx *c, uint64_t ino,
			char *buf, size_t size);
	int (*symlink)(void *fs, const struct fbr_ctx *c, uint64_t parent,
		       const char *name, const char *target,
		       struct fuse_entry_out *out);
	int (*mknod)(void *fs, const struct fbr_ctx *c, uint64_t parent,
		     const char *name, const struct fuse_mknod_in *in,
		     struct fuse_entry_out *out);
	int (*mkdir)(void *fs, const struct fbr_ctx *c, uint64_t parent,
		     const char *name, const struct fuse_mkdir_in *in,
		     struct fuse_entry_out *out);
	int (*unlink)(void *fs, const struct fbr_ctx *c, uint64_t parent,
		      const char *name);
	int (*rmdir)(void *fs, const struct fbr_ctx *c, uint64_t parent,
		     const char *name);
	/* flags: RENAME_NOREPLACE, RENAME_EXCHANGE, RENAME_WHITEOUT or 0 */
	int (*rename)(void *fs, const struct fbr_ctx *c, uint64_t olddir,
		      const char *oldname, uint64_t newdir, const char *newname,
		      uint32_t flags);
	int (*link)(void *fs, const struct fbr_ctx *c, uint64_t ino,
		    uint64_t newparent, const char *newname,
		    struct fuse_entry_out *out);

	int (*open)(void *fs, const struct fbr_ctx *c, uint64_t ino,
		    const struct fuse_open_in *in, struct fuse_open_out *out);
	int (*create)(void *fs, const struct fbr_ctx *c, uint64_t parent,
		      const char *name, const struct fuse_create_in *in,
		      struct fuse_entry_out *entry, struct fuse_open_out *open);
	/* An O_TMPFILE file in directory parent; name is what the kernel sent. */
	int (*tmpfile)(void *fs, const struct fbr_ctx *c, uint64_t parent,
		       const char *name, const struct fuse_create_in *in,
		       struct fuse_entry_out *entry, struct fuse_open_out *open);
	/* Fills dst (in->size bytes at most); returns the bytes read. */
	int (*read)(void *fs, const struct fbr_ctx *c, uint64_t ino,
		    const struct fuse_read_in *in, const struct iovec *dst,
		    int dstcnt);
	/* Writes src (in->size bytes); returns the bytes written. */
	int (*write)(void *fs, const struct fbr_ctx *c, uint64_t ino,
		     const struct fuse_write_in *in, const struct iovec *src,
		     int srccnt);
	int (*flush)(void *fs, const struct fbr_ctx *c, uint64_t ino,
		     const struct fuse_flush_in *in);
	int (*release)(void *fs, const struct fbr_ctx *c, uint64_t ino,
		       const struct fuse_release_in *in);
	int (*fsync)(void *fs, const struct fbr_ctx *c, uint64_t ino,
		     const struct fuse_fsync_in *in);
	int (*fallocate)(void *fs, const struct fbr_ctx *c, uint64_t ino,
			 const struct fuse_fallocate_in *in);
	int (*lseek)(void *fs, const struct fbr_ctx *c, uint64_t ino,
		     const struct fuse_lseek_in *in, struct fuse_lseek_out *out);
	/* Returns the bytes copied through *copied. */
	int (*copy_file_range)(void *fs, const struct fbr_ctx *c, uint64_t ino,
			       const struct fuse_copy_file_range_in *in,
			       uint64_t *copied);
	/* Returns the output length; out_size bytes of out are available. */
	int (*ioctl)(void *fs, const struct fbr_ctx *c, uint64_t ino,
		     const struct fuse_ioctl_in *in, const void *in_data,
		     void *out_data, int32_t *result);
	/*
	 * The events of in->events ready now, into *revents.  With
	 * FUSE_POLL_SCHEDULE_NOTIFY in in->flags the kernel will wait: once
	 * one is ready, wake it with fbr_notify_poll() on in->kh.  NULL:
	 * the kernel takes every file for always ready.
	 */
	int (*poll)(void *fs, const struct fbr_ctx *c, uint64_t ino,
		    const struct fuse_poll_in *in, uint32_t *revents);

	int (*opendir)(void *fs, const struct fbr_ctx *c, uint64_t ino,
		       const struct fuse_open_in *in, struct fuse_open_out *out);
	/* Add entries with fbr_dirbuf_add() until it reports the buffer full. */
	int (*readdir)(void *fs, const struct fbr_ctx *c, uint64_t ino,
		       const struct fuse_read_in *in, struct fbr_dirbuf *buf);
	/* The same, with fbr_dirbuf_add_plus(); each entry is one lookup. */
	int (*readdirplus)(void *fs, const struct fbr_ctx *c, uint64_t ino,
			   const struct fuse_read_in *in, struct fbr_dirbuf *buf);
	int (*releasedir)(void *fs, const struct fbr_ctx *c, uint64_t ino,
			  const struct fuse_release_in *in);
	int (*fsyncdir)(void *fs, const struct fbr_ctx *c, uint64_t ino,
			const struct fuse_fsync_in *in);

	int (*statfs)(void *fs, const struct fbr_ctx *c, uint64_t ino,
		      struct fuse_kstatfs *out);
	int (*access)(void *fs, const struct fbr_ctx *c, uint64_t ino,
		      uint32_t mask);
	/* in is always the full 16-byte form, zero-filled where not sent. */
	int (*setxattr)(void *fs, const struct fbr_ctx *c, uint64_t ino,
			const struct fuse_setxattr_in *in, const char *name,
			const void *value);
	/* size 0 asks for the length; returns the value's length. */
	int (*getxattr)(void *fs, const struct fbr_ctx *c, uint64_t ino,
			const char *name, void *buf, size_t size);
	int (*listxattr)(void *fs, const struct fbr_ctx *c, uint64_t ino,
			 char *buf, size_t size);
	int (*removexattr)(void *fs, const struct fbr_ctx *c, uint64_t ino,
			   const char *name);

	int (*getlk)(void *fs, const struct fbr_ctx *c, uint64_t ino,
		     const struct fuse_lk_in *in, struct fuse_lk_out *out);
	/* sleep: SETLKW; a waiting driver should honour fbr_req_interrupted(). */
	int (*setlk)(void *fs, const struct fbr_ctx *c, uint64_t ino,
		     const struct fuse_lk_in *in, bool sleep);
	int (*syncfs)(void *fs, const struct fbr_ctx *c, uint64_t ino);
};

struct fbr_driver {
	const struct fbr_driver_ops *ops;
	void *fs;
};

/*
 * Directory listings.  Each add returns 0, or -ENOSPC when the entry does
 * not fit (nothing is added then: stop and return 0).  off is the offset
 * the kernel will pass back to continue after this entry.
 */
int fbr_dirbuf_add(struct fbr_dirbuf *buf, const char *name, uint64_t ino,
		   uint32_t type, uint64_t off);
int fbr_dirbuf_add_plus(struct fbr_dirbuf *buf, const char *name,
			const struct fuse_entry_out *entry, uint64_t off);

/*
 * Data.  fbr_iov_from_buf() copies len bytes of buf into the iovecs a READ
 * fills, fbr_iov_to_buf() len bytes of the iovecs a WRITE brings into buf;
 * each stops early where the iovecs end and returns the bytes copied.
 */
size_t fbr_iov_from_buf(const struct iovec *dst, int cnt, const void *buf,
			size_t len);
size_t fbr_iov_to_buf(void *buf, const struct iovec *src, int cnt, size_t len);

/*
 * Interrupts.  A driver that may wait long marks the request interruptible
 * with a callback the INTERRUPT handler runs (from another thread) to wake
 * it; once woken it checks fbr_req_interrupted() and returns -EINTR.
 */
typedef void (*fbr_cancel_fn)(void *arg);
void fbr_req_set_interruptible(struct fbr_req *req, fbr_cancel_fn fn, void *arg);
void fbr_req_clear_interruptible(struct fbr_req *req);
bool fbr_req_interrupted(const struct fbr_req *req);

/*
 * Deferred replies, for a request that must wait without holding a worker
 * (SETLKW).  The operation calls fbr_req_defer() on c->req, hands the
 * result to whatever will finish the work, and returns FBR_DEFERRED; later,
 * from any thread, fbr_req_reply() sends the answer (0 or a negative errno)
 * and frees the request.  Only operations whose reply carries no data
 * (SETLK, SETLKW) may defer.  A deferred request stays visible to
 * INTERRUPT: fbr_req_set_interruptible() and fbr_req_interrupted() work on
 * it as on the original.  Returns NULL (answer now instead) when the
 * transport cannot reply later or memory is short.
 */
#define FBR_DEFERRED 1
struct fbr_req *fbr_req_defer(struct fbr_req *req);
void fbr_req_reply(struct fbr_req *deferred, int err);

/*
 * The INIT flags that ops lacks the operations for (POSIX_LOCKS without
 * getlk and setlk, DO_READDIRPLUS without readdirplus, ...): the session
 * never grants them to such a driver.  For a driver that serves others:
 * what none of them may be offered.
 */
uint64_t fbr_driver_ops_lack(const struct fbr_driver_ops *ops);

/*
 * The session a request came through, for the notifications of
 * server/session.h; a driver may keep it to notify outside any request.
 */
struct fbr_session;
struct fbr_session *fbr_req_session(const struct fbr_req *req);

/*
 * FUSE passthrough, once INIT granted FUSE_PASSTHROUGH (set it in
 * conn->want, with conn->max_stack_depth, when conn->capable has it):
 * register fd, a file open on what the kernel opens, as its backing file.
 * The id goes into the OPEN or CREATE reply with FOPEN_PASSTHROUGH, the
 * kernel then reads and writes fd's file itself; close the id once no
 * open file uses it.  -ENOSYS when the transport cannot.
 */
int fbr_req_backing_open(struct fbr_req *req, int fd);
void fbr_req_backing_close(struct fbr_req *req, int id);

#endif
