/*
 * Locks: GETLK and SETLK/SETLKW, POSIX record locks and flock, held on the
 * host so that they conflict with locks taken there, through other mounts
 * of the same source, and by virtio-fs guests, exactly as between
 * processes.
 *
 * POSIX locks belong to a lock owner (the kernel's hash of the caller's
 * fd table, or of the file for OFD locks), not to an fd.  Each (inode,
 * owner) pair gets an open file description of its own on the host, and
 * its locks are open file description (OFD) locks on it: the host then
 * merges, splits and conflicts them per owner as it would per process.
 * Keyed by inode, not by handle: an owner locking through two handles of
 * the same file must not conflict with itself, and POSIX drops all its
 * locks on the file when it closes any of them (FLUSH carries the owner).
 * RELEASE drops the descriptions last used through the handle (OFD owners,
 * and anything a FLUSH missed).  flock maps to flock() on the handle's own
 * fd: one host description per kernel open file, as flock wants.
 *
 * SETLKW never holds a worker: after a failed non-blocking try the request
 * is deferred and a waiter thread of its own blocks in the host call.
 * INTERRUPT (and DESTROY) wake it with PT_LOCK_SIGNAL, sent by a per-waiter
 * POSIX timer that repeats until the waiter notices: a single signal could
 * land between the waiter's last check and its entering the system call,
 * and be lost.  The signal is unblocked only in waiter threads; its
 * handler, installed at the first wait, does nothing and has no
 * SA_RESTART, so the host call returns EINTR.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "drivers/passthrough/pt.h"

/* glibc before 2.39 names the field only in its private union. */
#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

#define LK_OFFSET_MAX INT64_MAX      /* the kernel's "to the end of file" */
#define WAITER_STACK (256 * 1024)
#define WAKE_INTERVAL_NS 20000000L   /* the timer's repeat: 20 ms */

/* One (inode, lock owner): its own host open file description. */
struct pt_lkowner {
	struct pt_lkowner *next;   /* in its shard; shard lock */
	uint64_t nodeid;
	uint64_t owner;
	uint64_t fh;               /* last used through: RELEASE drops it */
	int fd;
	atomic_uint refs;          /* the table's, plus one per user */
	atomic_uint pid;           /* of its last lock, for GETLK */
};

/* A SETLKW waiting on a thread of its own. */
struct pt_lkwait {
	struct pt_lkwait *next;    /* listed while its timer exists; wlock */
	struct pt_locks *locks;
	struct fbr_req *req;       /* deferred */
	struct pt_lkowner *o;      /* POSIX: the owner's description */
	struct pt_handle *h;       /* flock: the handle */
	struct flock fl;           /* POSIX: the lock asked for */
	int op;                    /* flock: LOCK_SH or LOCK_EX */
	timer_t timer;
};

/* ---- The owner table ---- */

static struct pt_lkshard *shard_of(struct pt_locks *l, uint64_t nodeid)
{
	return &l->shards[(nodeid * 0x9e3779b97f4a7c15ULL) >> 60 &
			  (PT_LSHARDS - 1)];
}

_Static_assert(PT_LSHARDS <= 16, "the shard hash takes four bits");

static void owner_put(struct pt_lkowner *o)
{
	if (o && atomic_fetch_sub(&o->refs, 1) == 1) {
		close(o->fd); /* drops every lock it holds */
		free(o);
	}
}

/* h's file again, a new description; EMFILE gives cached inode fds back. */
static int reopen(struct pt_fs *fs, const char *name, int acc)
{
	int fd = openat(fs->procfd, name, acc | O_NOCTTY | O_CLOEXEC);

	if (fd < 0 && pt_fds_reclaim(fs, errno))
		fd = openat(fs->procfd, name, acc | O_NOCTTY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/*
 * A new description of h's file.  Read-write if the host allows, so the
 * owner can take read and write locks whichever of its handles it locks
 * through; else with h's own access mode.
 */
static int owner_open(struct pt_fs *fs, const struct pt_handle *h)
{
	char name[PT_FDNAME_MAX];
	int acc = fcntl(h->fd, F_GETFL), fd = -1;

	if (acc < 0)
		return -errno;
	acc &= O_ACCMODE;
	pt_fdname(h->fd, name);
	if (!fs->opts.readonly && acc != O_RDWR)
		fd = reopen(fs, name, O_RDWR);
	if (fd < 0)
		fd = reopen(fs, name, acc);
	return fd;
}

/* Unlinks o from its shard (locked), which keeps the table's reference. */
static void owner_unlink(struct pt_lkshard *s, struct pt_lkowner *o)
{
	for (struct pt_lkowner **p = &s->head; *p; p = &(*p)->next) {
		if (*p == o) {
			*p = o->next;
			return;
		}
	}
}

static struct pt_lkowner *owner_find_locked(struct pt_lkshard *s,
					    uint64_t nodeid, uint64_t owner)
{
	for (struct pt_lkowner *o = s->head; o; o = o->next)
		if (o->nodeid == nodeid && o->owner == owner)
			return o;
	return NULL;
}

/*
 * The description of (h's inode, owner), referenced, or NULL: none yet
 * (*err 0) unless create, or the error opening one.
 */
static struct pt_lkowner *owner_get(struct pt_fs *fs, struct pt_handle *h,
				    uint64_t fh, uint64_t owner, bool create,
				    int *err)
{
	uint64_t nodeid = h->inode->nodeid;
	struct pt_lkshard *s = shard_of(&fs->locks, nodeid);
	struct pt_lkowner *o;
	int fd;

	*err = 0;
	pthread_mutex_lock(&s->lock);
	o = owner_find_locked(s, nodeid, owner);
	/* The kernel's owner of OFD locks is its struct file, whose address
	   a new open may get while the RELEASE of the old one is still on its
	   way: that RELEASE must not drop the description from under the new
	   file, so it belongs to the handle that used it last. */
	if (o)
		o->fh = fh;
	if (o || !create)
		goto out;
	/* Opened under the shard lock: two threads of one owner must not
	   end up with two descriptions that conflict with each other. */
	fd = owner_open(fs, h);
	o = fd < 0 ? NULL : calloc(1, sizeof(*o));
	if (!o) {
		*err = fd < 0 ? fd : -ENOMEM;
		if (fd >= 0)
			close(fd);
		goto out;
	}
	*o = (struct pt_lkowner){ .next = s->head, .nodeid = nodeid,
				  .owner = owner, .fh = fh, .fd = fd };
	atomic_init(&o->refs, 1);
	s->head = o;
out:
	if (o)
		atomic_fetch_add(&o->refs, 1);
	pthread_mutex_unlock(&s->lock);
	return o;
}

/* Drop the descriptions of h's inode that match: owner (if byowner) or fh. */
static void owners_drop(struct pt_fs *fs, uint64_t nodeid, bool byowner,
			uint64_t owner, uint64_t fh)
{
	struct pt_lkshard *s = shard_of(&fs->locks, nodeid);
	struct pt_lkowner *gone = NULL, *o, *next;

	pthread_mutex_lock(&s->lock);
	for (o = s->head; o; o = next) {
		next = o->next;
		if (o->nodeid != nodeid ||
		    (byowner ? o->owner != owner : o->fh != fh))
			continue;
		owner_unlink(s, o);
		o->next = gone;
		gone = o;
	}
	pthread_mutex_unlock(&s->lock);
	for (o = gone; o; o = next) { /* closing may take a while: unlocked */
		next = o->next;
		owner_put(o);
	}
}

/* FLUSH: the owner closed one of its fds; POSIX drops its locks on the file. */
void pt_locks_flush(struct pt_fs *fs, struct pt_handle *h, uint64_t owner)
{
	owners_drop(fs, h->inode->nodeid, true, owner, 0);
}

/* RELEASE: the kernel forgets the handle and what was locked through it. */
void pt_locks_release(struct pt_fs *fs, const struct fuse_release_in *in)
{
	struct pt_handle *h = pt_handle_get(fs, in->fh, false);

	if (!h)
		return;
	if (in->release_flags & FUSE_RELEASE_FLOCK_UNLOCK)
		flock(h->fd, LOCK_UN);
	if (in->release_flags & FUSE_RELEASE_FLUSH)
		pt_locks_flush(fs, h, in->lock_owner);
	owners_drop(fs, h->inode->nodeid, false, 0, in->fh);
	pt_handle_put(h);
}

static void owners_clear(struct pt_fs *fs)
{
	for (int i = 0; i < PT_LSHARDS; i++) {
		struct pt_lkshard *s = &fs->locks.shards[i];
		struct pt_lkowner *o, *next;

		pthread_mutex_lock(&s->lock);
		o = s->head;
		s->head = NULL;
		pthread_mutex_unlock(&s->lock);
		for (; o; o = next) {
			next = o->next;
			owner_put(o);
		}
	}
}

/* ---- Converting ---- */

/* The kernel's inclusive [start, end] as a struct flock, or -EINVAL. */
static int to_flock(const struct fuse_file_lock *lk, struct flock *fl)
{
	if (lk->type != F_RDLCK && lk->type != F_WRLCK && lk->type != F_UNLCK)
		return -EINVAL;
	if (lk->start > LK_OFFSET_MAX || lk->end > LK_OFFSET_MAX ||
	    lk->end < lk->start)
		return -EINVAL;
	*fl = (struct flock){ .l_type = (short)lk->type, .l_whence = SEEK_SET,
			      .l_start = (off_t)lk->start };
	/* l_len 0 is "to the end, however far it grows": what end MAX means. */
	fl->l_len = lk->end == LK_OFFSET_MAX ? 0 :
		    (off_t)(lk->end - lk->start + 1);
	return 0;
}

/*
 * The conflicting lock for the kernel.  The host reports the pid of a
 * process-owned (classic) lock taken there; for an OFD lock it has none
 * (-1) and holder_pid() looks for ours.  0 says "unknown": the kernel
 * would turn a pid it cannot find in the mount's pid namespace into 0
 * anyway.
 */
static void from_flock(const struct flock *fl, struct fuse_file_lock *lk)
{
	lk->type = (uint32_t)fl->l_type;
	if (fl->l_type == F_UNLCK)
		return;
	lk->start = (uint64_t)fl->l_start;
	lk->end = fl->l_len == 0 ? LK_OFFSET_MAX :
		  (uint64_t)(fl->l_start + fl->l_len - 1);
	lk->pid = fl->l_pid > 0 ? (uint32_t)fl->l_pid : 0;
}

/* ---- Waiters ---- */

static void nothing(int sig)
{
	(void)sig;
}

static pthread_once_t signal_once = PTHREAD_ONCE_INIT;
static int signal_err;

/* No SA_RESTART: the host lock call must return EINTR. */
static void install_handler(void)
{
	struct sigaction sa = { .sa_handler = nothing };

	sigemptyset(&sa.sa_mask);
	if (sigaction(PT_LOCK_SIGNAL, &sa, NULL) < 0)
		signal_err = -errno;
}

/* Start the waiter's timer: signals now, then every WAKE_INTERVAL_NS. */
static void waiter_wake(void *arg)
{
	struct pt_lkwait *w = arg;
	struct itimerspec its = { .it_value = { 0, 1 },
				  .it_interval = { 0, WAKE_INTERVAL_NS } };

	timer_settime(w->timer, 0, &its, NULL);
}

/* Only PT_LOCK_SIGNAL gets through, and only to this thread, by a timer. */
static int waiter_arm(struct pt_lkwait *w)
{
	struct sigevent sev = { .sigev_notify = SIGEV_THREAD_ID,
				.sigev_signo = PT_LOCK_SIGNAL };
	sigset_t mask;

	sigfillset(&mask);
	sigdelset(&mask, PT_LOCK_SIGNAL);
	pthread_sigmask(SIG_SETMASK, &mask, NULL);
	sev.sigev_notify_thread_id = gettid();
	if (timer_create(CLOCK_MONOTONIC, &sev, &w->timer) < 0)
		return -ENOLCK;
	return 0;
}

static int waiter_loop(struct pt_lkwait *w)
{
	for (;;) {
		int r;

		if (fbr_req_interrupted(w->req) ||
		    atomic_load(&w->locks->stopping))
			return -EINTR;
		if (w->o)
			r = fcntl(w->o->fd, F_OFD_SETLKW, &w->fl);
		else
			r = flock(w->h->fd, w->op);
		if (r == 0)
			return 0;
		if (errno != EINTR) /* EINTR without a reason: a stray signal */
			return -errno;
	}
}

static void waiter_list(struct pt_lkwait *w, bool add)
{
	struct pt_locks *l = w->locks;

	pthread_mutex_lock(&l->wlock);
	if (add) {
		w->next = l->waiters;
		l->waiters = w;
	} else {
		for (struct pt_lkwait **p = &l->waiters; *p; p = &(*p)->next) {
			if (*p == w) {
				*p = w->next;
				break;
			}
		}
	}
	pthread_mutex_unlock(&l->wlock);
}

/* The end of a wait, or of one that never started: answer and let go. */
static void waiter_finish(struct pt_lkwait *w, int err)
{
	struct pt_locks *l = w->locks;

	fbr_req_reply(w->req, err);
	owner_put(w->o);
	pt_handle_put(w->h);
	free(w);
	pthread_mutex_lock(&l->wlock);
	if (--l->nwaiters == 0)
		pthread_cond_broadcast(&l->wdone);
	pthread_mutex_unlock(&l->wlock);
}

/* A timer signal still on its way must not cut into the reply's write. */
static void waiter_quiet(void)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, PT_LOCK_SIGNAL);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
}

static void *waiter_main(void *arg)
{
	struct pt_lkwait *w = arg;
	int err = waiter_arm(w);

	if (err) {
		waiter_finish(w, err);
		return NULL;
	}
	waiter_list(w, true); /* from here DESTROY may fire the timer */
	fbr_req_set_interruptible(w->req, waiter_wake, w);
	err = waiter_loop(w);
	waiter_quiet();
	/* Neither INTERRUPT nor DESTROY touches the timer after these. */
	fbr_req_clear_interruptible(w->req);
	waiter_list(w, false);
	timer_delete(w->timer);
	waiter_finish(w, err);
	return NULL;
}

/* Count one more waiter, unless there are too many or DESTROY is on. */
static int waiter_reserve(struct pt_locks *l)
{
	int err = 0;

	pthread_mutex_lock(&l->wlock);
	if (atomic_load(&l->stopping))
		err = -EINTR;
	else if (l->nwaiters >= PT_LOCK_WAITERS)
		err = -ENOLCK;
	else
		l->nwaiters++;
	pthread_mutex_unlock(&l->wlock);
	return err;
}

static void waiter_unreserve(struct pt_locks *l)
{
	pthread_mutex_lock(&l->wlock);
	if (--l->nwaiters == 0)
		pthread_cond_broadcast(&l->wdone);
	pthread_mutex_unlock(&l->wlock);
}

static int waiter_spawn(struct pt_lkwait *w)
{
	pthread_attr_t attr;
	pthread_t t;
	size_t stack = WAITER_STACK < PTHREAD_STACK_MIN ? PTHREAD_STACK_MIN :
		       WAITER_STACK;
	int err;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, stack);
	err = pthread_create(&t, &attr, waiter_main, w);
	pthread_attr_destroy(&attr);
	return -err;
}

/*
 * Wait for the lock off the worker: w holds the references to release.
 * Returns FBR_DEFERRED, or an error to answer now (w freed either way).
 */
static int wait_start(struct pt_fs *fs, const struct fbr_ctx *c,
		      struct pt_lkwait *w)
{
	struct pt_locks *l = &fs->locks;
	int err;

	pthread_once(&signal_once, install_handler);
	err = signal_err;
	if (!err && fbr_req_interrupted(c->req))
		err = -EINTR;
	if (!err)
		err = waiter_reserve(l);
	if (err)
		goto fail;
	w->locks = l;
	/* The transport cannot answer later: waiting here would hold the
	   worker, which is what must not happen. */
	w->req = fbr_req_defer(c->req);
	if (!w->req) {
		waiter_unreserve(l);
		err = -ENOLCK;
		goto fail;
	}
	err = waiter_spawn(w);
	if (err)
		waiter_finish(w, err == -EAGAIN ? -ENOLCK : err);
	return FBR_DEFERRED;
fail:
	owner_put(w->o);
	pt_handle_put(w->h);
	free(w);
	return err;
}

/* ---- The operations ---- */

static int flock_op(uint32_t type)
{
	return type == F_RDLCK ? LOCK_SH : type == F_WRLCK ? LOCK_EX : LOCK_UN;
}

/* flock on the handle's fd; takes over the reference to h. */
static int setlk_flock(struct pt_fs *fs, const struct fbr_ctx *c,
		       struct pt_handle *h, uint32_t type, bool sleep)
{
	int op = flock_op(type), err = 0;
	struct pt_lkwait *w;

	if (flock(h->fd, op | LOCK_NB) < 0)
		err = errno == EWOULDBLOCK ? -EAGAIN : -errno;
	if (err != -EAGAIN || !sleep) {
		pt_handle_put(h);
		return err;
	}
	w = calloc(1, sizeof(*w));
	if (!w) {
		pt_handle_put(h);
		return -ENOLCK;
	}
	w->h = h;
	w->op = op;
	return wait_start(fs, c, w);
}

/* A POSIX lock of in->owner; takes over the reference to h. */
static int setlk_posix(struct pt_fs *fs, const struct fbr_ctx *c,
		       struct pt_handle *h, const struct fuse_lk_in *in,
		       bool sleep)
{
	struct pt_lkowner *o = NULL;
	struct pt_lkwait *w;
	struct flock fl;
	int err = to_flock(&in->lk, &fl);

	if (!err)
		o = owner_get(fs, h, in->fh, in->owner, fl.l_type != F_UNLCK,
			      &err);
	pt_handle_put(h);
	if (err || !o) /* unlocking what was never locked: nothing to do */
		return err;
	atomic_store(&o->pid, in->lk.pid);
	if (fcntl(o->fd, F_OFD_SETLK, &fl) == 0)
		err = 0;
	else if (errno == EACCES) /* "held by someone else", as EAGAIN */
		err = -EAGAIN;
	else
		err = -errno;
	if (err != -EAGAIN || !sleep) {
		owner_put(o);
		return err;
	}
	w = calloc(1, sizeof(*w));
	if (!w) {
		owner_put(o);
		return -ENOLCK;
	}
	w->o = o;
	w->fl = fl;
	return wait_start(fs, c, w);
}

int pt_setlk(void *fs_, const struct fbr_ctx *c, uint64_t ino,
	     const struct fuse_lk_in *in, bool sleep)
{
	struct pt_fs *fs = fs_;
	struct pt_handle *h = pt_handle_get(fs, in->fh, false);

	if (!h)
		return -EBADF;
	if (in->lk_flags & FUSE_LK_FLOCK)
		return setlk_flock(fs, c, h, in->lk.type, sleep);
	return setlk_posix(fs, c, h, in, sleep);
}

/* Whether the description fd holds exactly the OFD lock fl: its fdinfo,
   reached from procfd (see xattr.c for why never by "/proc/self"). */
static bool holds(struct pt_fs *fs, int fd, const struct flock *fl)
{
	const char *want = fl->l_type == F_WRLCK ? "WRITE" : "READ";
	char path[48], line[256], type[16], end[32];
	long long start, last = fl->l_start + fl->l_len - 1;
	bool found = false;
	int dfd;
	FILE *f;

	snprintf(path, sizeof(path), "../fdinfo/%d", fd);
	dfd = openat(fs->procfd, path, O_RDONLY | O_CLOEXEC);
	f = dfd < 0 ? NULL : fdopen(dfd, "re");
	if (!f) {
		if (dfd >= 0)
			close(dfd);
		return false;
	}
	while (!found && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "lock: %*d: OFDLCK %*s %15s %*d %*s %lld %31s",
			   type, &start, end) != 3)
			continue;
		found = !strcmp(type, want) && start == fl->l_start &&
			(fl->l_len == 0 ? !strcmp(end, "EOF") :
			 strtoll(end, NULL, 10) == last);
	}
	fclose(f);
	return found;
}

/*
 * The pid to report for an OFD lock: the host has none, but if one of our
 * owners holds it, the pid of the caller that last locked through it,
 * which is what the caller would see natively (unless the lock was itself
 * an OFD lock of the caller's: -1 there, a pid here).  0 if not ours.
 */
static pid_t holder_pid(struct pt_fs *fs, uint64_t nodeid,
			const struct flock *fl)
{
	struct pt_lkshard *s = shard_of(&fs->locks, nodeid);
	pid_t pid = 0;

	pthread_mutex_lock(&s->lock);
	for (struct pt_lkowner *o = s->head; o && !pid; o = o->next)
		if (o->nodeid == nodeid && holds(fs, o->fd, fl))
			pid = (pid_t)atomic_load(&o->pid);
	pthread_mutex_unlock(&s->lock);
	return pid;
}

/*
 * Seen from the owner's description, its own locks do not conflict; an
 * owner with none yet asks through the handle's fd, which never holds an
 * OFD lock, so every lock there is someone else's.
 */
int pt_getlk(void *fs_, const struct fbr_ctx *c, uint64_t ino,
	     const struct fuse_lk_in *in, struct fuse_lk_out *out)
{
	struct pt_fs *fs = fs_;
	struct pt_handle *h = pt_handle_get(fs, in->fh, false);
	struct pt_lkowner *o = NULL;
	struct flock fl;
	int err;

	if (!h)
		return -EBADF;
	err = to_flock(&in->lk, &fl);
	if (!err)
		o = owner_get(fs, h, in->fh, in->owner, false, &err);
	if (!err && fcntl(o ? o->fd : h->fd, F_OFD_GETLK, &fl) < 0)
		err = -errno;
	if (!err && fl.l_type != F_UNLCK && fl.l_pid == -1)
		fl.l_pid = holder_pid(fs, h->inode->nodeid, &fl);
	if (!err)
		from_flock(&fl, &out->lk);
	owner_put(o);
	pt_handle_put(h);
	return err;
}

/* ---- The table's life ---- */

void pt_locks_init(struct pt_fs *fs)
{
	struct pt_locks *l = &fs->locks;

	for (int i = 0; i < PT_LSHARDS; i++)
		pthread_mutex_init(&l->shards[i].lock, NULL);
	pthread_mutex_init(&l->wlock, NULL);
	pthread_cond_init(&l->wdone, NULL);
	atomic_init(&l->stopping, false);
}

/*
 * DESTROY: every waiter answers EINTR (its timer fires until it does) and
 * is waited for, and every owner's description is closed.  Then locking
 * may start again, for a new INIT.
 */
void pt_locks_stop(struct pt_fs *fs)
{
	struct pt_locks *l = &fs->locks;

	pthread_mutex_lock(&l->wlock);
	atomic_store(&l->stopping, true);
	for (struct pt_lkwait *w = l->waiters; w; w = w->next)
		waiter_wake(w);
	while (l->nwaiters)
		pthread_cond_wait(&l->wdone, &l->wlock);
	atomic_store(&l->stopping, false);
	pthread_mutex_unlock(&l->wlock);
	owners_clear(fs);
}

void pt_locks_fini(struct pt_fs *fs)
{
	struct pt_locks *l = &fs->locks;

	pt_locks_stop(fs);
	for (int i = 0; i < PT_LSHARDS; i++)
		pthread_mutex_destroy(&l->shards[i].lock);
	pthread_mutex_destroy(&l->wlock);
	pthread_cond_destroy(&l->wdone);
}
