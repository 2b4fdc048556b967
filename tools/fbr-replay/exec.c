/*
 * Running one job: its ids rewritten for the live session, the request
 * handed to the dispatcher straight (no copy: the job's buffer is ours
 * and aligned), the reply taken from the worker's memory sink, then
 * judged against the recorded one.  A reply the driver defers (SETLKW)
 * is waited for; if the recording shows it interrupted (EINTR), it is
 * interrupted here too.  Lookup counts are checked after each FORGET when
 * jobs run in order, since only then is there a moment they must agree.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "protocol/opcode.h"
#include "replay.h"

#define OUT_HDR sizeof(struct fuse_out_header)
#define WAIT_NS (5 * 1000000000ULL)      /* for a deferred reply */
#define INTERRUPT_NS (20 * 1000000ULL)   /* before interrupting one */

uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

struct remap_ctx {
	struct replay *rp;
	struct job *j;
};

static void remap_one(void *ctx, enum idkind kind, const char *what,
		      unsigned char *at)
{
	struct remap_ctx *c = ctx;
	uint64_t rec = load_u64(at), live;
	bool bound;

	live = kind == ID_NODE ? ids_node(&c->rp->ids, rec, &bound)
			       : ids_fh(&c->rp->ids, rec, &bound);
	store_u64(at, live);
	if (!strcmp(what, "forget")) /* BATCH_FORGET: nlookup follows */
		ids_forget(&c->rp->ids, rec, load_u64(at + sizeof(uint64_t)));
	else if (c->j->nids < MAX_REMAPPED)
		c->j->ids[c->j->nids++] = (struct remapped){ what, rec, live,
							     bound };
}

/* A directory's offsets are its handle's: after the handle is known. */
static void remap_offset(struct replay *rp, struct job *j)
{
	struct fuse_read_in *in = (struct fuse_read_in *)j->args.in;
	uint64_t live = dirs_offset(&rp->dirs, job_recorded(j, "fh"), in->offset);

	if (j->nids < MAX_REMAPPED)
		j->ids[j->nids++] = (struct remapped){ "offset", in->offset,
						       live, true };
	in->offset = live;
}

static void remap(struct replay *rp, struct job *j)
{
	struct remap_ctx c = { rp, j };

	j->nids = 0;
	request_ids(j, remap_one, &c);
	if (!j->parsed)
		return;
	if (j->in.opcode == FUSE_FORGET)
		ids_forget(&rp->ids, j->in.nodeid,
			   ((const struct fuse_forget_in *)j->args.in)->nlookup);
	else if (j->in.opcode == FUSE_READDIR || j->in.opcode == FUSE_READDIRPLUS)
		remap_offset(rp, j);
}

static bool changes(uint32_t opcode)
{
	switch (opcode) {
	case FUSE_SETATTR: case FUSE_SYMLINK: case FUSE_MKNOD: case FUSE_MKDIR:
	case FUSE_UNLINK: case FUSE_RMDIR: case FUSE_RENAME: case FUSE_RENAME2:
	case FUSE_LINK: case FUSE_CREATE: case FUSE_TMPFILE: case FUSE_WRITE:
	case FUSE_SETXATTR: case FUSE_REMOVEXATTR: case FUSE_FALLOCATE:
	case FUSE_COPY_FILE_RANGE: case FUSE_COPY_FILE_RANGE_64:
		return true;
	default:
		return false;
	}
}

/*
 * The first reply about the root, before anything changed it, says what
 * the recording's root was like: our scratch root becomes the same.
 */
static void adopt_root(struct replay *rp, const struct job *j)
{
	struct fuse_attr_out a;

	if (rp->root.adopted)
		return;
	if (changes(j->in.opcode)) {
		rp->root.adopted = true; /* too late to tell */
		return;
	}
	if (j->in.opcode != FUSE_GETATTR || j->in.nodeid != FUSE_ROOT_ID ||
	    !j->rep || j->replen < OUT_HDR + sizeof(a) ||
	    ((const struct fuse_out_header *)j->rep)->error)
		return;
	memcpy(&a, j->rep + OUT_HDR, sizeof(a));
	root_adopt(&rp->root, a.attr.mode, a.attr.uid, a.attr.gid);
}

static unsigned replies(struct fbr_memsink *m)
{
	unsigned n;

	pthread_mutex_lock(&m->lock);
	n = m->nreplies;
	pthread_mutex_unlock(&m->lock);
	return n;
}

/* A request with no reply to wait for, through a sink of its own. */
static void send_alone(struct replay *rp, const void *req, size_t len)
{
	struct fbr_memsink quiet;
	struct fbr_msg m = { .buf = req, .len = len };

	if (fbr_memsink_init(&quiet, 0))
		return;
	fbr_dispatch(rp->session, &m, &quiet.sink);
	fbr_memsink_release(&quiet);
}

static void interrupt(struct replay *rp, uint64_t unique)
{
	struct {
		struct fuse_in_header h;
		struct fuse_interrupt_in in;
	} req = {
		.h = { .len = sizeof(req), .opcode = FUSE_INTERRUPT,
		       .unique = unique | 1 },
		.in = { .unique = unique },
	};

	send_alone(rp, &req, sizeof(req));
}

void replay_forget_live(struct replay *rp, uint64_t l, uint64_t n)
{
	struct {
		struct fuse_in_header h;
		struct fuse_forget_in in;
	} req = {
		.h = { .len = sizeof(req), .opcode = FUSE_FORGET, .nodeid = l },
		.in = { .nlookup = n },
	};

	if (l != FUSE_ROOT_ID && rp->session)
		send_alone(rp, &req, sizeof(req));
}

/* A sink a late reply may still come to is kept until the end. */
static int retire_sink(struct replay *rp, struct worker *w)
{
	struct retired *old = (struct retired *)((char *)w->sink -
						 offsetof(struct retired, sink));
	struct retired *fresh = calloc(1, sizeof(*fresh));

	if (!fresh || fbr_memsink_init(&fresh->sink, FBR_TRACE_MAX_RECORD)) {
		free(fresh);
		return -ENOMEM;
	}
	replay_lock(rp);
	old->next = rp->retired;
	rp->retired = old;
	replay_unlock(rp);
	w->sink = &fresh->sink;
	return 0;
}

static int32_t error_of(const unsigned char *p, uint32_t len)
{
	struct fuse_out_header h = { 0 };

	memcpy(&h, p, len < OUT_HDR ? len : OUT_HDR);
	return h.error;
}

/* The driver deferred the reply: wait for it, a while. */
static void wait_reply(struct replay *rp, struct worker *w, const struct job *j,
		       struct live *l)
{
	uint64_t start = now_ns(), waited;
	bool interrupted = error_of(j->rep, j->replen) != -EINTR;

	while (!replies(w->sink)) {
		waited = now_ns() - start;
		if (!interrupted && waited > INTERRUPT_NS) {
			interrupt(rp, j->in.unique);
			interrupted = true;
		}
		if (waited > WAIT_NS) {
			l->late = true;
			if (retire_sink(rp, w))
				replay_trouble(rp, "out of memory");
			return;
		}
		nanosleep(&(struct timespec){ 0, 1000000 }, NULL);
	}
}

/* The reply to the request among what the sink caught (a notification
   the driver sent meanwhile would come first). */
static void take_reply(struct worker *w, uint64_t unique, struct live *l)
{
	struct fbr_memsink *m = w->sink;
	struct fuse_out_header h;

	l->nreplies = m->nreplies;
	for (size_t at = 0; at + OUT_HDR <= m->reply_len; at += h.len) {
		memcpy(&h, m->reply + at, sizeof(h));
		if (h.len < OUT_HDR || h.len > m->reply_len - at)
			return; /* our own dispatcher wrote it: cannot happen */
		if (h.unique == unique) {
			l->rep = m->reply + at;
			l->len = h.len;
			return;
		}
	}
}

/*
 * Only SETLK and SETLKW may be answered later, from another thread
 * (driver.h); any other reply is in the sink when fbr_dispatch() returns,
 * and the sink is this thread's alone.
 */
static bool may_defer(uint32_t opcode)
{
	return opcode == FUSE_SETLK || opcode == FUSE_SETLKW;
}

static void dispatch(struct replay *rp, struct worker *w, const struct job *j,
		     struct live *l)
{
	struct fbr_msg m = { .buf = j->req, .len = j->reqlen };
	uint64_t t0 = now_ns();

	fbr_dispatch(rp->session, &m, &w->sink->sink);
	if (!may_defer(j->in.opcode)) {
		l->ns = now_ns() - t0;
		take_reply(w, j->in.unique, l);
		return;
	}
	if (j->rep && !replies(w->sink))
		wait_reply(rp, w, j, l);
	l->ns = now_ns() - t0;
	if (!l->late) {
		pthread_mutex_lock(&w->sink->lock);
		take_reply(w, j->in.unique, l);
		pthread_mutex_unlock(&w->sink->lock);
	}
}

static void bench_add(struct replay *rp, const struct job *j,
		      const struct live *l)
{
	struct fbr_event ev = {
		.kind = j->rep ? FBR_EV_CALL : FBR_EV_NOREPLY,
		.in = j->in,
		.opname = fbr_opcode_name(j->in.opcode),
	};

	ev.req.p = j->req;
	ev.rep.ts = l->ns;
	ev.out.error = l->rep ? error_of(l->rep, l->len) : 0;
	if (!ev.opname)
		ev.opname = "?";
	if (fbr_summary_add(rp->bench, &ev))
		replay_trouble(rp, "out of memory");
}

/* The driver's lookups against the recording's, when they changed. */
void check_held(struct replay *rp, struct verdict *v)
{
	uint64_t live = rp->drv.held(&rp->drv), want = ids_held(&rp->ids);
	int64_t gap = (int64_t)(live - want);

	if (gap == rp->held_gap)
		return;
	rp->held_gap = gap;
	if (gap)
		verdict_note(v, true, "lookup counts: the driver holds lookups "
			     "on %llu nodeids, the recording's kernel on %llu",
			     (unsigned long long)live, (unsigned long long)want);
}

static void judge(struct replay *rp, struct worker *w, const struct job *j,
		  const struct live *l)
{
	struct verdict *v = &w->v;

	verdict_reset(v);
	if (j->rep && rp->a->bench)
		compare_errors(j, l, v);
	else if (j->rep)
		compare_reply(rp, j, l, v);
	else if (l->nreplies)
		verdict_note(v, true, "a reply came to a request that takes none");
	if (j->rep)
		learn(rp, j, l, v);
	if (!j->rep && !rp->a->threads)
		check_held(rp, v);
	rp->n.replayed++;
	if (rp->bench)
		bench_add(rp, j, l);
	if (!v->differs)
		return;
	rp->n.differ++;
	if (!rp->a->bench && !rp->a->quiet)
		report(rp, j, v);
	if (!rp->a->keep_going && !rp->a->bench)
		atomic_store(&rp->stop, true);
}

void job_run(struct replay *rp, struct worker *w, struct job *j)
{
	struct live l = { 0 };

	replay_lock(rp);
	remap(rp, j);
	adopt_root(rp, j);
	replay_unlock(rp);
	dispatch(rp, w, j, &l);
	replay_lock(rp);
	judge(rp, w, j, &l);
	replay_unlock(rp);
	fbr_memsink_clear(w->sink);
}

int worker_init(struct worker *w, struct replay *rp)
{
	struct retired *s = calloc(1, sizeof(*s));

	w->rp = rp;
	verdict_init(&w->v);
	if (!s || fbr_memsink_init(&s->sink, FBR_TRACE_MAX_RECORD)) {
		free(s);
		w->sink = NULL;
		return -ENOMEM;
	}
	w->sink = &s->sink;
	return 0;
}

void worker_release(struct worker *w)
{
	verdict_release(&w->v);
	if (w->sink) {
		fbr_memsink_release(w->sink);
		free((char *)w->sink - offsetof(struct retired, sink));
	}
	w->sink = NULL;
}
