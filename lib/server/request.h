/*
 * Inside the dispatcher: the session's state and one request in progress.
 * Private to lib/server.
 */
#ifndef FBR_SERVER_REQUEST_H
#define FBR_SERVER_REQUEST_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "protocol/args.h"
#include "fbr/session.h"

#define FBR_INFLIGHT_SHARDS 16

struct fbr_req;

struct fbr_inflight_shard {
	pthread_mutex_t lock;
	struct fbr_req *head;
};

struct fbr_session {
	struct fbr_driver drv;
	struct fbr_session_opts opts;
	pthread_mutex_t init_lock;          /* INIT and DESTROY */
	_Atomic int state;                  /* enum fbr_session_state */
	struct fbr_conn conn;
	const struct fbr_backing_ops *backing; /* FUSE passthrough, or NULL */
	void *backing_ctx;
	struct fbr_parse_opts parse;
	struct fbr_inflight_shard inflight[FBR_INFLIGHT_SHARDS];
	pthread_rwlock_t notify_lock;       /* senders read, setters write */
	const struct fbr_notify_ops *notify; /* or NULL: no notifications */
	void *notify_ctx;
	pthread_mutex_t retrieve_lock;
	struct fbr_retrieve *retrieves;     /* RETRIEVEs awaiting NOTIFY_REPLY */
	uint64_t retrieve_next;             /* their notify_unique */
};

struct fbr_req {
	struct fbr_session *s;
	struct fbr_sink *sink;
	const struct fbr_msg *m;
	const struct fuse_in_header *h;
	struct fbr_args a;
	struct fbr_ctx ctx;

	/* Interrupts: guarded by the in-flight shard's lock. */
	struct fbr_req *next;
	atomic_bool interrupted;
	fbr_cancel_fn cancel;
	void *cancel_arg;
};

typedef int (*fbr_handler)(struct fbr_req *r);

/* Replies: err is 0 or a negative errno. */
int fbr_reply_err(struct fbr_req *r, int err);
int fbr_reply_ok(struct fbr_req *r, const void *arg, size_t size);
int fbr_reply_two(struct fbr_req *r, const void *a1, size_t s1,
		  const void *a2, size_t s2);
/* Reply with placed payload bytes already in the sink's payload region. */
int fbr_reply_placed(struct fbr_req *r, size_t fixed_arg_size,
		     const void *arg, size_t placed);

/* Notifications: set up, pending RETRIEVEs failed, NOTIFY_REPLY. */
void fbr_notify_init(struct fbr_session *s);
void fbr_notify_fini(struct fbr_session *s);
void fbr_notify_fail_retrieves(struct fbr_session *s);
int fbr_do_notify_reply(struct fbr_req *r);

/* In-flight tracking for INTERRUPT. */
void fbr_inflight_add(struct fbr_req *r);
void fbr_inflight_del(struct fbr_req *r);
int fbr_do_interrupt(struct fbr_req *r);

/* Handlers, one per opcode, grouped by file. */
int fbr_do_init(struct fbr_req *r);
int fbr_do_destroy(struct fbr_req *r);

int fbr_do_lookup(struct fbr_req *r);
int fbr_do_forget(struct fbr_req *r);
int fbr_do_batch_forget(struct fbr_req *r);
int fbr_do_mknod(struct fbr_req *r);
int fbr_do_mkdir(struct fbr_req *r);
int fbr_do_symlink(struct fbr_req *r);
int fbr_do_link(struct fbr_req *r);
int fbr_do_unlink(struct fbr_req *r);
int fbr_do_rmdir(struct fbr_req *r);
int fbr_do_rename(struct fbr_req *r);
int fbr_do_rename2(struct fbr_req *r);

int fbr_do_getattr(struct fbr_req *r);
int fbr_do_setattr(struct fbr_req *r);
int fbr_do_statx(struct fbr_req *r);
int fbr_do_readlink(struct fbr_req *r);
int fbr_do_access(struct fbr_req *r);
int fbr_do_statfs(struct fbr_req *r);
int fbr_do_setxattr(struct fbr_req *r);
int fbr_do_getxattr(struct fbr_req *r);
int fbr_do_listxattr(struct fbr_req *r);
int fbr_do_removexattr(struct fbr_req *r);
int fbr_do_getlk(struct fbr_req *r);
int fbr_do_setlk(struct fbr_req *r);
int fbr_do_syncfs(struct fbr_req *r);

int fbr_do_open(struct fbr_req *r);
int fbr_do_create(struct fbr_req *r);
int fbr_do_tmpfile(struct fbr_req *r);
int fbr_do_read(struct fbr_req *r);
int fbr_do_write(struct fbr_req *r);
int fbr_do_flush(struct fbr_req *r);
int fbr_do_release(struct fbr_req *r);
int fbr_do_fsync(struct fbr_req *r);
int fbr_do_fallocate(struct fbr_req *r);
int fbr_do_lseek(struct fbr_req *r);
int fbr_do_copy_file_range(struct fbr_req *r);
int fbr_do_ioctl(struct fbr_req *r);
int fbr_do_poll(struct fbr_req *r);

int fbr_do_opendir(struct fbr_req *r);
int fbr_do_readdir(struct fbr_req *r);
int fbr_do_releasedir(struct fbr_req *r);
int fbr_do_fsyncdir(struct fbr_req *r);

#define FBR_OPS(r) ((r)->s->drv.ops)
#define FBR_FS(r) ((r)->s->drv.fs)
#define FBR_IN(r, type) ((const type *)(r)->a.in)

/* The driver lacks op: ENOSYS, as the protocol lets the kernel learn. */
#define FBR_NEED(r, op) \
	do { \
		if (!FBR_OPS(r)->op) \
			return fbr_reply_err(r, -ENOSYS); \
	} while (0)

#endif
