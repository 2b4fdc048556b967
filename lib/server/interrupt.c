/*
 * INTERRUPT: every request awaiting a reply is listed in a sharded table
 * while its handler runs, so an INTERRUPT can find it.  A found request is
 * marked, and woken if its driver said how; it gets no reply of its own.
 * A request not (yet) in the table is answered EAGAIN, which makes the
 * kernel send the INTERRUPT again later, as the protocol asks.
 */
#include <errno.h>

#include "server/request.h"

static struct fbr_inflight_shard *shard_of(struct fbr_session *s,
					   uint64_t unique)
{
	return &s->inflight[(unique >> 1) % FBR_INFLIGHT_SHARDS];
}

void fbr_inflight_add(struct fbr_req *r)
{
	struct fbr_inflight_shard *sh = shard_of(r->s, r->h->unique);

	pthread_mutex_lock(&sh->lock);
	r->next = sh->head;
	sh->head = r;
	pthread_mutex_unlock(&sh->lock);
}

void fbr_inflight_del(struct fbr_req *r)
{
	struct fbr_inflight_shard *sh = shard_of(r->s, r->h->unique);

	pthread_mutex_lock(&sh->lock);
	for (struct fbr_req **p = &sh->head; *p; p = &(*p)->next) {
		if (*p == r) {
			*p = r->next;
			break;
		}
	}
	pthread_mutex_unlock(&sh->lock);
}

int fbr_do_interrupt(struct fbr_req *r)
{
	uint64_t unique = FBR_IN(r, struct fuse_interrupt_in)->unique;
	struct fbr_inflight_shard *sh = shard_of(r->s, unique);
	struct fbr_req *t;

	pthread_mutex_lock(&sh->lock);
	for (t = sh->head; t && t->h->unique != unique; t = t->next)
		;
	if (t) {
		atomic_store(&t->interrupted, true);
		if (t->cancel)
			t->cancel(t->cancel_arg);
	}
	pthread_mutex_unlock(&sh->lock);
	return t ? 0 : fbr_reply_err(r, -EAGAIN);
}

void fbr_req_set_interruptible(struct fbr_req *req, fbr_cancel_fn fn, void *arg)
{
	struct fbr_inflight_shard *sh = shard_of(req->s, req->h->unique);

	pthread_mutex_lock(&sh->lock);
	req->cancel = fn;
	req->cancel_arg = arg;
	pthread_mutex_unlock(&sh->lock);
}

void fbr_req_clear_interruptible(struct fbr_req *req)
{
	fbr_req_set_interruptible(req, NULL, NULL);
}

bool fbr_req_interrupted(const struct fbr_req *req)
{
	return req && atomic_load(&req->interrupted);
}
