/*
 * The order jobs run in.  Without --threads, each runs as soon as it is
 * read, in the main thread.  With them, a job waits only for the earlier
 * jobs that touch the same ids: the nodeids and handles its request
 * names, those its recorded reply gives out (so a request on a new node
 * waits for the lookup that made it), and the nodes its names stand for
 * (so RMDIR waits for what was done inside the directory, as the
 * recording shows it: names are followed through the recorded replies,
 * by a hash, since a collision only costs one wait too many).  INIT and
 * DESTROY, and a request whose arguments make no sense, wait for
 * everything before them and hold up everything after.  Jobs live in a
 * ring of slots: the window of jobs in flight plus the context a report
 * shows before its job.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "replay.h"

#define PER_THREAD 16     /* jobs in flight per thread */
#define KEEP_BYTES 65536  /* a slot's buffers above this are given back */

enum { JOB_FREE, JOB_WAITING, JOB_RUNNING, JOB_DONE };

static struct job *slot(const struct sched *s, uint64_t seq)
{
	return &s->slots[seq % s->nslots];
}

const struct job *sched_job(const struct replay *rp, uint64_t seq)
{
	const struct job *j = slot(&rp->sched, seq);

	return j->seq == seq && j->state != JOB_FREE ? j : NULL;
}

static bool done(const struct sched *s, uint64_t seq)
{
	const struct job *j = slot(s, seq);

	return seq < s->low || j->seq != seq || j->state == JOB_DONE;
}

static bool ready(const struct sched *s, const struct job *j)
{
	for (uint32_t i = 0; i < j->ndeps; i++)
		if (!done(s, j->deps[i]))
			return false;
	return true;
}

static struct job *pick(struct sched *s)
{
	for (uint64_t seq = s->low; seq < s->next; seq++) {
		struct job *j = slot(s, seq);

		if (j->state == JOB_WAITING && ready(s, j))
			return j;
	}
	return NULL;
}

static void finished(struct sched *s, struct job *j)
{
	j->state = JOB_DONE;
	while (s->low < s->next && slot(s, s->low)->state == JOB_DONE)
		s->low++;
	pthread_cond_broadcast(&s->room);
	pthread_cond_broadcast(&s->work);
}

/* After a divergence without --keep-going, what waits is not run. */
static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct replay *rp = w->rp;
	struct sched *s = &rp->sched;
	struct job *j;

	pthread_mutex_lock(&s->lock);
	while (!(s->ending && s->low == s->next)) {
		if (!(j = pick(s))) {
			pthread_cond_wait(&s->work, &s->lock);
			continue;
		}
		j->state = JOB_RUNNING;
		pthread_mutex_unlock(&s->lock);
		if (!atomic_load(&rp->stop))
			job_run(rp, w, j);
		pthread_mutex_lock(&s->lock);
		finished(s, j);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

static int start_workers(struct replay *rp)
{
	struct sched *s = &rp->sched;

	s->workers = calloc(rp->a->threads, sizeof(*s->workers));
	if (!s->workers)
		return -ENOMEM;
	for (; s->nworkers < rp->a->threads; s->nworkers++) {
		struct worker *w = &s->workers[s->nworkers];
		int err = worker_init(w, rp);

		if (!err)
			err = -pthread_create(&w->thread, NULL, worker_main, w);
		if (err) {
			worker_release(w);
			return err;
		}
	}
	return 0;
}

int sched_init(struct replay *rp)
{
	struct sched *s = &rp->sched;

	s->window = rp->a->threads ? PER_THREAD * rp->a->threads : 1;
	s->nslots = s->window + rp->a->context;
	s->slots = calloc(s->nslots, sizeof(*s->slots));
	if (!s->slots)
		return -ENOMEM;
	for (size_t i = 0; i < s->nslots; i++)
		fbr_emit_init(&s->slots[i].line, false);
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->work, NULL);
	pthread_cond_init(&s->room, NULL);
	return rp->a->threads ? start_workers(rp) : 0;
}

void sched_fini(struct replay *rp)
{
	struct sched *s = &rp->sched;

	if (!s->slots)
		return;
	pthread_mutex_lock(&s->lock);
	s->ending = true;
	pthread_cond_broadcast(&s->work);
	pthread_mutex_unlock(&s->lock);
	for (unsigned i = 0; i < s->nworkers; i++) {
		pthread_join(s->workers[i].thread, NULL);
		worker_release(&s->workers[i]);
	}
	free(s->workers);
	for (size_t i = 0; i < s->nslots; i++) {
		free(s->slots[i].req);
		free(s->slots[i].repbuf);
		free(s->slots[i].deps);
		fbr_emit_release(&s->slots[i].line);
	}
	free(s->slots);
	fbr_u64map_free(&s->last_node);
	fbr_u64map_free(&s->last_fh);
	fbr_u64map_free(&s->names);
	pthread_cond_destroy(&s->work);
	pthread_cond_destroy(&s->room);
	pthread_mutex_destroy(&s->lock);
	memset(s, 0, sizeof(*s));
}

/* A big buffer of one job is not kept for all the slot's next ones. */
static void trim(unsigned char **p, uint32_t *cap)
{
	if (*cap > KEEP_BYTES) {
		free(*p);
		*p = NULL;
		*cap = 0;
	}
}

struct job *sched_slot(struct replay *rp)
{
	struct sched *s = &rp->sched;
	struct job *j;

	if (rp->a->threads) {
		pthread_mutex_lock(&s->lock);
		while (s->next - s->low >= s->window)
			pthread_cond_wait(&s->room, &s->lock);
		pthread_mutex_unlock(&s->lock);
	}
	j = slot(s, s->next);
	j->state = JOB_FREE;
	trim(&j->req, &j->reqcap);
	trim(&j->repbuf, &j->repcap);
	j->seq = s->next;
	j->nids = 0;
	j->ndeps = 0;
	fbr_emit_reset(&j->line);
	return j;
}

static int add_dep(struct job *j, uint64_t seq)
{
	if (j->ndeps == j->capdeps) {
		uint32_t cap = j->capdeps ? j->capdeps * 2 : 8;
		uint64_t *d = realloc(j->deps, cap * sizeof(*d));

		if (!d)
			return -ENOMEM;
		j->deps = d;
		j->capdeps = cap;
	}
	j->deps[j->ndeps++] = seq;
	return 0;
}

struct deps_ctx {
	struct sched *s;
	struct job *j;
	int err;
};

/* The job follows the last one on key, and is now the last one on it. */
static void depend(struct deps_ctx *c, struct fbr_u64map *last, uint64_t key)
{
	uint64_t *v = fbr_u64map_get(last, key);

	if (v && *v >= c->s->low && *v != c->j->seq && add_dep(c->j, *v))
		c->err = -ENOMEM;
	if (fbr_u64map_put(last, key, c->j->seq))
		c->err = -ENOMEM;
}

static void request_key(void *ctx, enum idkind kind, const char *what,
			unsigned char *at)
{
	struct deps_ctx *c = ctx;
	uint64_t id = load_u64(at);

	if (kind == ID_FH)
		depend(c, &c->s->last_fh, id);
	else if (id)
		depend(c, &c->s->last_node, id);
}

static void reply_key(struct deps_ctx *c, uint64_t nodeid)
{
	if (nodeid)
		depend(c, &c->s->last_node, nodeid);
}

static uint64_t name_key(uint64_t dir, const char *name, size_t len)
{
	uint64_t h = 14695981039346656037ULL ^ dir;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)name[i]) * 1099511628211ULL;
	return h;
}

/* A READDIRPLUS entry: a lookup, so a node to wait for, and a name. */
static void listed(void *ctx, uint64_t nodeid, const char *name, size_t len)
{
	struct deps_ctx *c = ctx;

	if (!nodeid)
		return;
	reply_key(c, nodeid);
	if (fbr_u64map_put(&c->s->names, name_key(c->j->in.nodeid, name, len),
			   nodeid))
		c->err = -ENOMEM;
}

/* Requests that name an entry of their nodeid (RENAME: two). */
static unsigned entry_names(const struct job *j, uint64_t dir[2],
			    const char *name[2])
{
	switch (j->in.opcode) {
	case FUSE_RENAME:
	case FUSE_RENAME2:
		dir[1] = load_u64((const unsigned char *)j->args.in);
		name[1] = j->args.name[1];
		/* fall through */
	case FUSE_LOOKUP: case FUSE_MKNOD: case FUSE_MKDIR: case FUSE_SYMLINK:
	case FUSE_UNLINK: case FUSE_RMDIR: case FUSE_LINK: case FUSE_CREATE:
		dir[0] = j->in.nodeid;
		name[0] = j->args.name[0];
		return j->in.opcode == FUSE_RENAME || j->in.opcode == FUSE_RENAME2
		       ? 2 : 1;
	default:
		return 0;
	}
}

/* What the recorded reply did to names: made, removed, or moved one. */
static void follow_names(struct deps_ctx *c, const uint64_t key[2],
			 uint64_t made)
{
	struct fbr_u64map *names = &c->s->names;
	uint64_t moved;

	if (made && fbr_u64map_put(names, key[0], made))
		c->err = -ENOMEM;
	if (made)
		return;
	switch (c->j->in.opcode) {
	case FUSE_UNLINK: case FUSE_RMDIR:
		fbr_u64map_del(names, key[0], NULL);
		return;
	case FUSE_RENAME: case FUSE_RENAME2:
		if (fbr_u64map_del(names, key[0], &moved) &&
		    fbr_u64map_put(names, key[1], moved))
			c->err = -ENOMEM;
		return;
	}
}

static void name_deps(struct deps_ctx *c, uint64_t made, bool ok)
{
	uint64_t dir[2], key[2];
	const char *name[2];
	unsigned n = c->j->parsed ? entry_names(c->j, dir, name) : 0;

	for (unsigned i = 0; i < n; i++) {
		uint64_t *child;

		key[i] = name_key(dir[i], name[i], strlen(name[i]));
		child = fbr_u64map_get(&c->s->names, key[i]);
		if (child)
			depend(c, &c->s->last_node, *child);
	}
	if (n && ok)
		follow_names(c, key, made);
}

static int find_deps(struct sched *s, struct job *j)
{
	const size_t hdr = sizeof(struct fuse_out_header);
	struct deps_ctx c = { s, j, 0 };
	uint64_t fh, made;
	bool ok = j->rep && j->replen >= hdr &&
		  !((const struct fuse_out_header *)j->rep)->error;

	request_ids(j, request_key, &c);
	if (!ok) {
		name_deps(&c, 0, false);
		return c.err;
	}
	made = reply_nodeid(j->in.opcode, j->rep + hdr, j->replen - hdr);
	reply_key(&c, made);
	name_deps(&c, made, true);
	if (reply_fh(j->in.opcode, j->rep + hdr, j->replen - hdr, &fh))
		depend(&c, &s->last_fh, fh);
	dirs_nodeids(j, listed, &c);
	return c.err;
}

/* Without threads: now, in order. */
static void run_now(struct replay *rp, struct job *j)
{
	struct sched *s = &rp->sched;

	j->state = JOB_RUNNING;
	s->next++;
	job_run(rp, &rp->main, j);
	j->state = JOB_DONE;
	s->low = s->next;
}

/* Everything before it done, it runs alone, here. */
static void run_barrier(struct replay *rp, struct job *j)
{
	struct sched *s = &rp->sched;

	sched_drain(rp);
	pthread_mutex_lock(&s->lock);
	j->state = JOB_RUNNING;
	s->next++;
	pthread_mutex_unlock(&s->lock);
	job_run(rp, &rp->main, j);
	pthread_mutex_lock(&s->lock);
	finished(s, j);
	pthread_mutex_unlock(&s->lock);
}

void sched_submit(struct replay *rp, struct job *j)
{
	struct sched *s = &rp->sched;

	if (!rp->a->threads)
		return run_now(rp, j);
	if (j->barrier)
		return run_barrier(rp, j);
	pthread_mutex_lock(&s->lock);
	if (find_deps(s, j))
		replay_trouble(rp, "out of memory");
	j->state = JOB_WAITING;
	s->next++;
	pthread_cond_broadcast(&s->work);
	pthread_mutex_unlock(&s->lock);
}

void sched_drain(struct replay *rp)
{
	struct sched *s = &rp->sched;

	pthread_mutex_lock(&s->lock);
	while (s->low != s->next)
		pthread_cond_wait(&s->room, &s->lock);
	pthread_mutex_unlock(&s->lock);
}
