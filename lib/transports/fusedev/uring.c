/*
 * FUSE over io_uring.  The kernel has a queue for each possible CPU and
 * hands a request to an entry of the queue of the CPU its caller runs on;
 * it uses the rings only once every queue has an entry.  Each queue here is
 * served by one or more threads (added when all are busy, up to a limit,
 * as the /dev/fuse workers are), each pinned to the queue's CPU, with an
 * io_uring of its own and normally one entry: an entry waits in the kernel
 * exactly while its thread is idle, so a request never queues behind a
 * busy thread while another sleeps.  With polling (poll_ns), an idle
 * thread looks for its next request a while before it sleeps, from the
 * next CPU.
 *
 * An entry is a header buffer (the in header, the argument struct, the
 * ring's own fields) and a payload buffer (the rest: names, WRITE data).
 * The dispatcher wants a request in one piece: a WRITE's header and
 * argument struct are copied in front of its payload, so the data stays
 * where the kernel put it, page-aligned; any other request is copied
 * whole into the thread's buffer, which leaves the payload buffer free for
 * the reply, where READ and READDIR data land directly.  The reply goes
 * back with COMMIT_AND_FETCH, which also makes the entry wait for the next
 * request: one system call per request, where /dev/fuse takes two.
 *
 * Everything that can fail is set up before INIT, so that a failure only
 * means not offering the rings: once INIT agrees on them the kernel holds
 * every new request until each queue has an entry.
 *
 * A deferred reply (SETLKW) keeps its entry until it is answered, and its
 * thread registers another to go on serving.  The kernel hands a newly
 * registered entry only requests that arrive after it: one it queued while
 * every entry was in use waits for the queue's next commit, which a
 * deferred reply does not give.  So when a reply is deferred while no
 * thread of the queue is idle, the thread nudges the queue: a statx of the
 * mount's root with AT_STATX_FORCE_SYNC from a thread on the queue's CPU
 * (nudge.c) makes the kernel send a GETATTR through the queue, and its
 * commit hands out what waited.  Only a ring's own thread
 * submits to it, so the answer is filled in by whichever thread has it and
 * handed to the owner through a mailbox, with an eventfd the owner's ring
 * reads to wake it.  What a deferred reply holds outlives the threads: the
 * memory goes when the last reference does.
 */
#include <errno.h>
#include <liburing.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#include "protocol/opcode.h"
#include "trace/trace.h"
#include "transports/fusedev/nudge.h"
#include "transports/fusedev/uring.h"
#include "fbr/log.h"

#define SUBSYS "uring"

/* Submission slots per thread: a full ring is submitted and reused. */
#define RING_SQES 64
/* Entries per thread: one serves; more only while replies are deferred. */
#define MAX_ENTRIES 256
#if defined(__x86_64__) || defined(__i386__)
#define cpu_relax() __builtin_ia32_pause()
#else
#define cpu_relax() __asm__ __volatile__("" ::: "memory")
#endif

#define IN_HDR sizeof(struct fuse_in_header)
#define OUT_HDR sizeof(struct fuse_out_header)

struct ring_thread;

struct entry {
	struct ring_thread *t;               /* the owner: it alone submits */
	struct fuse_uring_req_header *hdr;   /* the allocation's first page */
	unsigned char *payload;              /* the pages after it */
	struct iovec iov[2];                 /* as registered */
	uint64_t commit_id;
	uint32_t cmd;                        /* the command last submitted */
	struct entry *mail;                  /* in the owner's mailbox */
	struct entry *all;                   /* the owner's list of entries */
};

struct queue;

struct ring_thread {
	struct fbr_sink sink;        /* the request in hand's: first member */
	struct queue *q;
	struct io_uring ring;
	bool have_ring;
	bool started;
	pthread_t thread;
	int evfd;                    /* wakes the thread: mail, or stop */
	uint64_t wake;               /* the eventfd's count, read by the ring */
	unsigned char *msg;          /* a request made contiguous */
	struct entry *entries;       /* through ->all */
	unsigned nentries;
	unsigned live;               /* entries with a command in the kernel */
	unsigned parked;             /* entries waiting for a deferred reply */
	struct entry *cur;           /* the request in hand's */
	bool answered, detached;
	pthread_mutex_t mail_lock;
	struct entry *mail;          /* deferred replies ready to commit */

	/* The request in hand, for stats; start_ns 0 when idle. */
	_Atomic uint32_t opcode;
	_Atomic uint64_t unique;
	_Atomic uint64_t start_ns;
};

struct queue {
	struct fbr_uring *u;
	unsigned qid;
	pthread_mutex_t grow_lock;   /* and nudger */
	struct fbr_nudger *nudger;   /* started by the first nudge() */
	atomic_uint n;               /* threads set up, in t[] */
	atomic_uint idle;
	struct ring_thread *t[];     /* room for u->per_queue */
};

struct fbr_uring {
	struct fbr_session *s;
	int fd;
	struct fbr_trace *trace;
	enum fbr_fusedev_uring mode;
	size_t page, payload_size;
	unsigned nq, per_queue;
	uint64_t poll_ns;            /* how long an idle thread polls */
	char *mountpoint;            /* for nudge(); or NULL */
	atomic_bool stopping;
	atomic_uint refs;            /* the transport's, and one per late sink */
	atomic_bool refusal_said;
	struct queue *q[];
};

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Not offering the rings is news only to whoever asked for them. */
static enum fbr_log_level fallback_level(const struct fbr_uring *u)
{
	return u->mode == FBR_FUSEDEV_URING_ON ? FBR_LOG_WARN : FBR_LOG_INFO;
}

static uint32_t worker_no(const struct ring_thread *t)
{
	return FBR_FUSEDEV_RING_WORKER + t->q->qid;
}

/* Entries and buffers. */

static struct entry *entry_new(struct ring_thread *t)
{
	struct fbr_uring *u = t->q->u;
	struct entry *e;
	unsigned char *mem;

	if (t->nentries >= MAX_ENTRIES)
		return NULL;
	e = calloc(1, sizeof(*e));
	mem = aligned_alloc(u->page, u->page + u->payload_size);
	if (!e || !mem) {
		free(e);
		free(mem);
		return NULL;
	}
	e->t = t;
	e->hdr = (struct fuse_uring_req_header *)mem;
	e->payload = mem + u->page;
	e->iov[0] = (struct iovec){ e->hdr, sizeof(*e->hdr) };
	e->iov[1] = (struct iovec){ e->payload, u->payload_size };
	e->all = t->entries;
	t->entries = e;
	t->nentries++;
	return e;
}

/* Submission: the owner thread only. */

static struct io_uring_sqe *get_sqe(struct ring_thread *t)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&t->ring);

	if (!sqe && io_uring_submit(&t->ring) >= 0)
		sqe = io_uring_get_sqe(&t->ring);
	return sqe;
}

/*
 * The fd is not registered with the ring: a registered file lives until
 * the ring's teardown, which the kernel finishes in the background after a
 * crash, and until then the connection is not seen to end (fusermount3's
 * auto_unmount, for one, then leaves the mount in place).
 */
static void prep_cmd(struct io_uring_sqe *sqe, struct entry *e, uint32_t cmd,
		     uint16_t qid)
{
	struct fuse_uring_cmd_req *req = (struct fuse_uring_cmd_req *)sqe->cmd;

	memset(sqe, 0, 2 * sizeof(*sqe)); /* an SQE128 slot */
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = e->t->q->u->fd;
	sqe->cmd_op = cmd;
	io_uring_sqe_set_data(sqe, e);
	req->qid = qid;
	req->commit_id = e->commit_id;
	if (cmd == FUSE_IO_URING_CMD_REGISTER) {
		sqe->addr = (uintptr_t)e->iov;
		sqe->len = 2;
	}
	e->cmd = cmd;
}

static void send_cmd(struct ring_thread *t, struct entry *e, uint32_t cmd)
{
	struct io_uring_sqe *sqe = get_sqe(t);

	if (!sqe) {
		fbr_log(FBR_LOG_ERR, SUBSYS, "queue %u: cannot submit", t->q->qid);
		return;
	}
	prep_cmd(sqe, e, cmd, (uint16_t)t->q->qid);
	t->live++;
}

/* A read of the eventfd: its completion (user data NULL) wakes the thread. */
static void arm_wake(struct ring_thread *t)
{
	struct io_uring_sqe *sqe = get_sqe(t);

	if (!sqe) {
		fbr_log(FBR_LOG_ERR, SUBSYS, "queue %u: cannot submit", t->q->qid);
		return;
	}
	io_uring_prep_read(sqe, t->evfd, &t->wake, sizeof(t->wake), 0);
	io_uring_sqe_set_data(sqe, NULL);
}

/* Replies: the out header in the header buffer, the rest in the payload. */

static int fill(struct entry *e, const struct iovec *iov, int cnt, size_t placed)
{
	struct fbr_uring *u = e->t->q->u;
	struct fuse_out_header oh;
	size_t off = 0;

	if (cnt < 1 || iov[0].iov_len != OUT_HDR)
		return -EINVAL;
	memcpy(&oh, iov[0].iov_base, OUT_HDR);
	for (int i = 1; i < cnt; i++) {
		if (iov[i].iov_len > u->payload_size - off)
			return -EINVAL;
		memmove(e->payload + off, iov[i].iov_base, iov[i].iov_len);
		off += iov[i].iov_len;
	}
	if (placed > u->payload_size - off)
		return -EINVAL;
	off += placed; /* already where payload() said */
	oh.len = (uint32_t)(OUT_HDR + off);
	memcpy(e->hdr->in_out, &oh, OUT_HDR);
	e->hdr->ring_ent_in_out.payload_sz = (uint32_t)off;
	if (u->trace)
		fbr_trace_write(u->trace, FBR_REC_REPLY, worker_no(e->t),
				(struct iovec[]){ { &oh, OUT_HDR },
						  { e->payload, off } }, 2);
	return 0;
}

static int sink_payload(struct fbr_sink *s, size_t fixed, size_t size,
			struct iovec *iov, int maxiov)
{
	struct ring_thread *t = (struct ring_thread *)s;
	size_t room = t->q->u->payload_size, off = fixed - OUT_HDR;

	if (maxiov < 1 || fixed < OUT_HDR || off > room)
		return -EINVAL;
	iov[0].iov_base = t->cur->payload + off;
	iov[0].iov_len = size < room - off ? size : room - off;
	return 1;
}

static int sink_send(struct fbr_sink *s, const struct iovec *iov, int cnt,
		     size_t placed)
{
	struct ring_thread *t = (struct ring_thread *)s;
	int err = fill(t->cur, iov, cnt, placed);

	if (err)
		return err;
	t->answered = true;
	send_cmd(t, t->cur, FUSE_IO_URING_CMD_COMMIT_AND_FETCH);
	return 0;
}

/* A deferred reply: filled in by whoever has it, committed by the owner. */
struct late_sink {
	struct fbr_sink sink;
	struct entry *e;
};

static void unref(struct fbr_uring *u);

static int late_send(struct fbr_sink *s, const struct iovec *iov, int cnt,
		     size_t placed)
{
	struct entry *e = ((struct late_sink *)s)->e;
	struct ring_thread *t = e->t;
	int err;

	if (placed)
		return -EINVAL;
	if (atomic_load(&t->q->u->stopping))
		return 0; /* no thread left to commit it: the mount is going */
	err = fill(e, iov, cnt, 0);
	if (err)
		return err;
	pthread_mutex_lock(&t->mail_lock);
	e->mail = t->mail;
	t->mail = e;
	pthread_mutex_unlock(&t->mail_lock);
	return eventfd_write(t->evfd, 1) < 0 ? -errno : 0;
}

static void late_release(struct fbr_sink *s)
{
	struct late_sink *l = (struct late_sink *)s;

	unref(l->e->t->q->u);
	free(l);
}

static const struct fbr_sink_ops late_ops = {
	.send = late_send,
	.release = late_release,
};

static struct fbr_sink *sink_detach(struct fbr_sink *s)
{
	struct ring_thread *t = (struct ring_thread *)s;
	struct late_sink *l = malloc(sizeof(*l));

	if (!l)
		return NULL;
	l->sink.ops = &late_ops;
	l->e = t->cur;
	atomic_fetch_add(&t->q->u->refs, 1);
	t->detached = true;
	return &l->sink;
}

static const struct fbr_sink_ops sink_ops = {
	.payload = sink_payload,
	.send = sink_send,
	.detach = sink_detach,
};

/* Requests. */

/*
 * The request in one piece, as a read() on /dev/fuse would give it: the
 * in header, op_in's part of the length, then the payload.
 */
static int assemble(struct ring_thread *t, struct entry *e, struct fbr_msg *m)
{
	const struct fuse_in_header *h = (const void *)e->hdr->in_out;
	size_t len = h->len, psz = e->hdr->ring_ent_in_out.payload_sz, oplen;
	unsigned char *buf;

	if (len < IN_HDR || psz > len - IN_HDR ||
	    psz > t->q->u->payload_size)
		return -EPROTO;
	oplen = len - IN_HDR - psz;
	if (oplen > FUSE_URING_OP_IN_OUT_SZ)
		return -EPROTO;
	if (h->opcode == FUSE_WRITE && oplen % 8 == 0) {
		buf = e->payload - IN_HDR - oplen; /* in the entry's first page */
	} else {
		buf = t->msg;
		memcpy(buf + IN_HDR + oplen, e->payload, psz);
	}
	memcpy(buf, h, IN_HDR);
	memcpy(buf + IN_HDR, e->hdr->op_in, oplen);
	*m = (struct fbr_msg){ .buf = buf, .len = len };
	return 0;
}

static void dispatch(struct ring_thread *t, const struct fbr_msg *m)
{
	const struct fuse_in_header *h = m->buf;
	uint32_t opcode = h->opcode;
	int err;

	atomic_store(&t->opcode, opcode);
	atomic_store(&t->unique, h->unique);
	atomic_store(&t->start_ns, now_ns());
	err = fbr_dispatch(t->q->u->s, m, &t->sink);
	atomic_store(&t->start_ns, 0);
	if (err && err != -ENODEV)
		fbr_log(FBR_LOG_WARN, SUBSYS, "cannot reply to %s: %s",
			fbr_opcode_name(opcode) ?: "request", strerror(-err));
}

/*
 * Make the kernel send this queue a request (see the top of this file),
 * once the entry just registered is in the kernel to take it.
 */
static void nudge(struct ring_thread *t)
{
	struct queue *q = t->q;

	if (!q->u->mountpoint || io_uring_submit(&t->ring) < 0)
		return;
	pthread_mutex_lock(&q->grow_lock);
	if (!q->nudger &&
	    fbr_nudger_new(q->u->mountpoint, q->qid, &q->nudger) < 0)
		q->nudger = NULL;
	pthread_mutex_unlock(&q->grow_lock);
	if (q->nudger) {
		fbr_nudger_poke(q->nudger);
		fbr_debug(SUBSYS, "queue %u: nudged", q->qid);
	}
}

/* A deferred reply holds the entry: another lets the thread go on. */
static void refill(struct ring_thread *t)
{
	struct entry *e = entry_new(t);

	if (e)
		send_cmd(t, e, FUSE_IO_URING_CMD_REGISTER);
	else
		fbr_log(FBR_LOG_WARN, SUBSYS,
			"queue %u: %u replies deferred, no room for another entry",
			t->q->qid, t->parked);
}

static void serve(struct ring_thread *t, struct entry *e)
{
	struct fbr_uring *u = t->q->u;
	const struct fuse_in_header *h = (const void *)e->hdr->in_out;
	uint64_t unique = h->unique;
	struct fbr_msg m;

	e->commit_id = e->hdr->ring_ent_in_out.commit_id;
	t->cur = e;
	t->answered = t->detached = false;
	if (assemble(t, e, &m) == 0) {
		if (u->trace)
			fbr_trace_write(u->trace, FBR_REC_REQUEST, worker_no(t),
					&(struct iovec){ (void *)m.buf, m.len }, 1);
		dispatch(t, &m);
	} else {
		fbr_log(FBR_LOG_WARN, SUBSYS,
			"queue %u: malformed request (%u bytes, %u of payload)",
			t->q->qid, h->len, e->hdr->ring_ent_in_out.payload_sz);
	}
	if (t->detached) {
		t->parked++;
		if (!t->live)
			refill(t);
		if (atomic_load(&t->q->idle) == 0)
			nudge(t);
	} else if (!t->answered) {
		/* Refused without a reply: the entry must go back anyway. */
		struct fuse_out_header oh = { .error = -EIO, .unique = unique };

		sink_send(&t->sink, &(struct iovec){ &oh, OUT_HDR }, 1, 0);
	}
	t->cur = NULL;
}

static void grow(struct queue *q);

/*
 * A command failed.  The connection's end fails them all; a REGISTER the
 * kernel refuses makes it give up the rings (and go on through /dev/fuse);
 * a refused commit leaves the entry stuck, so its buffers are registered
 * as a new one.
 */
static void on_failure(struct ring_thread *t, struct entry *e, int res)
{
	struct fbr_uring *u = t->q->u;
	bool said = false;

	if (res == -ENOTCONN || res == -ECONNABORTED || res == -ECANCELED ||
	    atomic_load(&u->stopping)) {
		fbr_debug(SUBSYS, "queue %u: entry ends: %s", t->q->qid,
			  strerror(-res));
	} else if (e->cmd == FUSE_IO_URING_CMD_REGISTER) {
		if (atomic_compare_exchange_strong(&u->refusal_said, &said, true))
			fbr_log(FBR_LOG_WARN, SUBSYS,
				"no FUSE over io_uring: the kernel refused a "
				"ring entry: %s; serving through /dev/fuse reads",
				strerror(-res));
	} else {
		fbr_log(FBR_LOG_WARN, SUBSYS, "queue %u: the kernel refused a "
			"reply: %s", t->q->qid, strerror(-res));
		send_cmd(t, e, FUSE_IO_URING_CMD_REGISTER);
	}
}

static void on_entry(struct ring_thread *t, struct entry *e, int res)
{
	struct queue *q = t->q;

	t->live--;
	if (res) {
		on_failure(t, e, res);
		return;
	}
	if (atomic_fetch_sub(&q->idle, 1) == 1)
		grow(q); /* this was the queue's last idle thread */
	serve(t, e);
	atomic_fetch_add(&q->idle, 1);
}

/* Woken: commit the deferred replies posted meanwhile; false to stop. */
static bool on_wake(struct ring_thread *t)
{
	struct entry *e, *next;

	if (atomic_load(&t->q->u->stopping))
		return false;
	pthread_mutex_lock(&t->mail_lock);
	e = t->mail;
	t->mail = NULL;
	pthread_mutex_unlock(&t->mail_lock);
	for (; e; e = next) {
		next = e->mail;
		t->parked--;
		send_cmd(t, e, FUSE_IO_URING_CMD_COMMIT_AND_FETCH);
	}
	arm_wake(t);
	return true;
}

/*
 * Submit what is ready, then look for a completion for up to poll_ns,
 * collecting the requests the kernel has flagged, before sleeping.
 */
static void poll_ring(struct ring_thread *t, uint64_t poll_ns)
{
	uint64_t until;

	if (io_uring_submit(&t->ring) < 0)
		return; /* the wait says why */
	until = now_ns() + poll_ns;
	for (unsigned i = 1; !io_uring_cq_ready(&t->ring); i++) {
		if (IO_URING_READ_ONCE(*t->ring.sq.kflags) & IORING_SQ_TASKRUN)
			io_uring_get_events(&t->ring);
		if (i % 64 == 0 && now_ns() > until)
			return;
		cpu_relax();
	}
}

/* Submit what is ready, wait for a completion, handle all there are. */
static bool reap(struct ring_thread *t)
{
	struct io_uring_cqe *cqe;
	unsigned head, n = 0;
	bool go = true;
	int ret;

	if (t->q->u->poll_ns && !io_uring_cq_ready(&t->ring))
		poll_ring(t, t->q->u->poll_ns);
	ret = io_uring_submit_and_wait(&t->ring, 1);

	if (ret < 0 && ret != -EINTR && ret != -EBUSY) {
		fbr_log(FBR_LOG_ERR, SUBSYS, "queue %u: %s", t->q->qid,
			strerror(-ret));
		return false;
	}
	io_uring_for_each_cqe(&t->ring, head, cqe) {
		struct entry *e = io_uring_cqe_get_data(cqe);

		n++;
		if (!e)
			go = on_wake(t) && go;
		else
			on_entry(t, e, cqe->res);
	}
	io_uring_cq_advance(&t->ring, n);
	return go;
}

/*
 * Requests come from the queue's CPU: serving them there keeps it warm.
 * A polling thread goes to the next CPU, to leave the callers theirs.
 */
static void pin(unsigned cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof(set), &set))
		fbr_debug(SUBSYS, "cannot pin to CPU %u", cpu);
}

static void *thread_main(void *arg)
{
	struct ring_thread *t = arg;
	char name[16];

	snprintf(name, sizeof(name), "fbr-ring%u", t->q->qid);
	pthread_setname_np(pthread_self(), name); /* for top -H and tests */

	pin(t->q->u->poll_ns ? (t->q->qid + 1) % t->q->u->nq : t->q->qid);
	arm_wake(t);
	send_cmd(t, t->entries, FUSE_IO_URING_CMD_REGISTER);
	while ((t->live || t->parked) && reap(t))
		;
	fbr_debug(SUBSYS, "queue %u: a thread ends", t->q->qid);
	return NULL;
}

/* Threads. */

static void thread_free(struct ring_thread *t)
{
	struct entry *e, *next;

	if (!t)
		return;
	if (t->have_ring)
		io_uring_queue_exit(&t->ring);
	if (t->evfd >= 0)
		close(t->evfd);
	for (e = t->entries; e; e = next) {
		next = e->all;
		free(e->hdr);
		free(e);
	}
	free(t->msg);
	pthread_mutex_destroy(&t->mail_lock);
	free(t);
}

/*
 * Polling: the kernel then hands a request over without interrupting the
 * thread (COOP_TASKRUN) and flags it in the ring (TASKRUN_FLAG) for the
 * polling thread to collect.
 */
static int ring_init(struct ring_thread *t)
{
	struct io_uring_params p = {
		.flags = IORING_SETUP_SQE128 | IORING_SETUP_CQSIZE |
			 (t->q->u->poll_ns ? IORING_SETUP_COOP_TASKRUN |
					     IORING_SETUP_TASKRUN_FLAG : 0),
		.cq_entries = 2 * MAX_ENTRIES,
	};
	int err = io_uring_queue_init_params(RING_SQES, &t->ring, &p);

	t->have_ring = !err;
	return err;
}

/* Everything a thread needs but the thread itself. */
static int thread_new(struct queue *q, struct ring_thread **out)
{
	struct fbr_uring *u = q->u;
	struct ring_thread *t = calloc(1, sizeof(*t));
	int err;

	if (!t)
		return -ENOMEM;
	t->sink.ops = &sink_ops;
	t->q = q;
	t->evfd = -1;
	pthread_mutex_init(&t->mail_lock, NULL);
	err = -ENOMEM;
	t->msg = aligned_alloc(u->page, u->page + u->payload_size);
	if (t->msg && entry_new(t))
		err = ring_init(t);
	if (!err) {
		t->evfd = eventfd(0, EFD_CLOEXEC);
		err = t->evfd < 0 ? -errno : 0;
	}
	if (err) {
		thread_free(t);
		return err;
	}
	*out = t;
	return 0;
}

/* Ring threads take no signals: those are for the tool's main thread. */
static int thread_start(struct ring_thread *t)
{
	sigset_t all, old;
	int err;

	atomic_fetch_add(&t->q->idle, 1);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = -pthread_create(&t->thread, NULL, thread_main, t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err)
		atomic_fetch_sub(&t->q->idle, 1);
	t->started = !err;
	return err;
}

/* Called by a ring thread when none of its queue's is left idle. */
static void grow(struct queue *q)
{
	struct fbr_uring *u = q->u;
	struct ring_thread *t;
	unsigned n;

	pthread_mutex_lock(&q->grow_lock);
	n = atomic_load(&q->n);
	if (n < u->per_queue && atomic_load(&q->idle) == 0 &&
	    !atomic_load(&u->stopping) && thread_new(q, &t) == 0) {
		q->t[n] = t;
		if (thread_start(t) == 0)
			fbr_debug(SUBSYS, "queue %u: thread %u starts", q->qid, n);
		atomic_store(&q->n, n + 1);
	}
	pthread_mutex_unlock(&q->grow_lock);
}

/* The whole. */

static void destroy(struct fbr_uring *u)
{
	for (unsigned i = 0; i < u->nq; i++) {
		struct queue *q = u->q[i];

		if (!q)
			continue;
		for (unsigned k = 0; k < atomic_load(&q->n); k++)
			thread_free(q->t[k]);
		fbr_nudger_free(q->nudger);
		pthread_mutex_destroy(&q->grow_lock);
		free(q);
	}
	free(u->mountpoint);
	free(u);
}

static void unref(struct fbr_uring *u)
{
	if (atomic_fetch_sub(&u->refs, 1) == 1)
		destroy(u);
}

static int queue_new(struct fbr_uring *u, unsigned qid)
{
	struct queue *q = calloc(1, sizeof(*q) + u->per_queue * sizeof(q->t[0]));
	int err;

	if (!q)
		return -ENOMEM;
	q->u = u;
	q->qid = qid;
	pthread_mutex_init(&q->grow_lock, NULL);
	u->q[qid] = q;
	err = thread_new(q, &q->t[0]);
	if (!err)
		atomic_store(&q->n, 1);
	return err;
}

/* The kernel's count of queues: one per possible CPU ("0-3,8-11"). */
static unsigned possible_cpus(void)
{
	FILE *f = fopen("/sys/devices/system/cpu/possible", "re");
	unsigned a, b, n = 0;
	int c = ',';

	while (f && c == ',' && fscanf(f, "%u", &a) == 1) {
		b = a;
		c = fgetc(f);
		if (c == '-' && fscanf(f, "%u", &b) == 1)
			c = fgetc(f);
		n += b >= a ? b - a + 1 : 0;
	}
	if (f)
		fclose(f);
	return n ? n : (unsigned)get_nprocs_conf();
}

/* The kernel wants room for its largest request: max_write, in pages. */
static size_t payload_size(size_t page)
{
	size_t size = FBR_FUSEDEV_MAX_WRITE > 8192 ? FBR_FUSEDEV_MAX_WRITE : 8192;

	return (size + page - 1) / page * page;
}

int fbr_uring_new(struct fbr_session *s, int fd,
		  const struct fbr_fusedev_opts *o, struct fbr_uring **out)
{
	unsigned nq = possible_cpus(), threads = o->threads;
	struct fbr_uring *u = calloc(1, sizeof(*u) + nq * sizeof(u->q[0]));
	int err = 0;

	if (!u)
		return -ENOMEM;
	*u = (struct fbr_uring){
		.s = s, .fd = fd, .trace = o->trace, .mode = o->uring, .nq = nq,
		.poll_ns = (uint64_t)o->poll_us * 1000,
		.mountpoint = o->mountpoint ? strdup(o->mountpoint) : NULL,
		.page = (size_t)sysconf(_SC_PAGESIZE),
		.per_queue = threads > nq ? (threads + nq - 1) / nq : 1,
	};
	u->payload_size = payload_size(u->page);
	atomic_init(&u->refs, 1);
	for (unsigned i = 0; i < nq && !err; i++)
		err = queue_new(u, i);
	if (err) {
		fbr_log(fallback_level(u), SUBSYS, "no FUSE over io_uring: "
			"cannot set up its rings: %s; serving through /dev/fuse "
			"reads", strerror(-err));
		destroy(u);
		return err;
	}
	fbr_session_offer(s, FUSE_OVER_IO_URING);
	*out = u;
	return 0;
}

/* Why the kernel did not offer the rings, as far as can be told. */
static const char *why_not_offered(void)
{
	FILE *f = fopen("/sys/module/fuse/parameters/enable_uring", "re");
	int c;

	if (!f)
		return "this kernel has no FUSE over io_uring";
	c = fgetc(f);
	fclose(f);
	return c == 'Y' ? "the kernel did not offer it"
			: "the fuse module's enable_uring parameter is off";
}

/*
 * A queue without a thread would hold the mount forever, the kernel
 * waiting for its entries.  A REGISTER it must refuse (no such queue)
 * makes it give up the rings and go on through /dev/fuse.
 */
static void abandon(struct ring_thread *t, int err)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&t->ring);
	struct io_uring_cqe *cqe;

	if (sqe) {
		prep_cmd(sqe, t->entries, FUSE_IO_URING_CMD_REGISTER, UINT16_MAX);
		if (io_uring_submit_and_wait(&t->ring, 1) >= 0 &&
		    io_uring_peek_cqe(&t->ring, &cqe) == 0)
			io_uring_cqe_seen(&t->ring, cqe);
	}
	fbr_log(FBR_LOG_WARN, SUBSYS, "no FUSE over io_uring: cannot start a "
		"ring thread: %s; serving through /dev/fuse reads",
		strerror(-err));
}

void fbr_uring_start(struct fbr_uring *u)
{
	const struct fbr_conn *c = fbr_session_conn(u->s);
	int err = 0;
	unsigned i;

	if (!(c->want & FUSE_OVER_IO_URING)) {
		fbr_log(fallback_level(u), SUBSYS, "no FUSE over io_uring: %s; "
			"serving through /dev/fuse reads",
			c->kernel_flags & FUSE_OVER_IO_URING ?
			"INIT did not agree on it" : why_not_offered());
		return;
	}
	for (i = 0; i < u->nq && !err; i++)
		err = thread_start(u->q[i]->t[0]);
	if (err) {
		abandon(u->q[i - 1]->t[0], err);
		return;
	}
	fbr_log(FBR_LOG_INFO, SUBSYS, "FUSE over io_uring: %u queues, up to "
		"%u threads each", u->nq, u->per_queue);
}

unsigned fbr_uring_busy(struct fbr_uring *u, struct fbr_fusedev_busy *b,
			unsigned max)
{
	uint64_t now = now_ns();
	unsigned k = 0;

	for (unsigned i = 0; i < u->nq; i++) {
		struct queue *q = u->q[i];

		for (unsigned j = 0; j < atomic_load(&q->n) && k < max; j++) {
			struct ring_thread *t = q->t[j];
			uint64_t start = atomic_load(&t->start_ns);

			if (!start)
				continue;
			b[k] = (struct fbr_fusedev_busy){
				.worker = worker_no(t),
				.opcode = atomic_load(&t->opcode),
				.unique = atomic_load(&t->unique),
				.age_ns = now > start ? now - start : 0,
			};
			/* The thread moved on meanwhile: the fields may not match. */
			if (atomic_load(&t->start_ns) == start)
				k++;
		}
	}
	return k;
}

void fbr_uring_free(struct fbr_uring *u)
{
	if (!u)
		return;
	atomic_store(&u->stopping, true);
	for (unsigned i = 0; i < u->nq; i++) {
		struct queue *q = u->q[i];
		unsigned n;

		pthread_mutex_lock(&q->grow_lock); /* none starts from now */
		n = atomic_load(&q->n);
		pthread_mutex_unlock(&q->grow_lock);
		for (unsigned k = 0; k < n; k++) {
			if (!q->t[k]->started)
				continue;
			if (eventfd_write(q->t[k]->evfd, 1) < 0)
				fbr_debug(SUBSYS, "cannot wake a thread: %s",
					  strerror(errno));
			pthread_join(q->t[k]->thread, NULL);
		}
	}
	unref(u);
}
