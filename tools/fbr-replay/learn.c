/*
 * What a pair of replies teaches: the nodeid an entry reply gives out is
 * a lookup the recording's kernel holds, bound to the live one; the
 * handle an open gives out is bound until its release; a listing goes to
 * dirs.c; DESTROY forgets everything.  A live lookup the recording never
 * made (the recorded reply failed, or named nothing) is given back at
 * once, so that the live driver's counts stay what the kernel's were.
 */
#include <string.h>

#include "replay.h"

#define OUT_HDR sizeof(struct fuse_out_header)

/* A reply's payload, or none when it failed or never came. */
struct payload {
	const unsigned char *p;
	size_t len;
};

static struct payload payload_of(const unsigned char *rep, uint32_t len)
{
	struct fuse_out_header h;

	if (!rep || len < OUT_HDR)
		return (struct payload){ NULL, 0 };
	memcpy(&h, rep, sizeof(h));
	if (h.error)
		return (struct payload){ NULL, 0 };
	return (struct payload){ rep + OUT_HDR, len - OUT_HDR };
}

static void learn_entry(struct replay *rp, const struct job *j,
			struct payload r, struct payload l)
{
	uint64_t rec = r.p ? reply_nodeid(j->in.opcode, r.p, r.len) : 0;
	uint64_t live = l.p ? reply_nodeid(j->in.opcode, l.p, l.len) : 0;

	if (rec && ids_lookup(&rp->ids, rec, live))
		replay_trouble(rp, "out of memory");
	else if (!rec && live)
		replay_forget_live(rp, live, 1);
}

static void learn_fh(struct replay *rp, const struct job *j,
		     struct payload r, struct payload l)
{
	uint64_t rec, live;

	if (r.p && l.p && reply_fh(j->in.opcode, r.p, r.len, &rec) &&
	    reply_fh(j->in.opcode, l.p, l.len, &live) &&
	    ids_open(&rp->ids, rec, live))
		replay_trouble(rp, "out of memory");
}

void learn(struct replay *rp, const struct job *j, const struct live *l,
	   struct verdict *v)
{
	struct payload r = payload_of(j->rep, j->replen);
	struct payload x = payload_of(l->rep, l->len);

	switch (j->in.opcode) {
	case FUSE_RELEASEDIR:
		dirs_release(rp, job_recorded(j, "fh"), v);
		/* fall through */
	case FUSE_RELEASE:
		ids_release(&rp->ids, job_recorded(j, "fh"));
		return;
	case FUSE_DESTROY:
		ids_clear(&rp->ids);
		dirs_free(&rp->dirs);
		return;
	case FUSE_READDIR:
	case FUSE_READDIRPLUS:
		if (r.p && x.p && j->parsed && j->replen == j->reporig)
			dirs_reply(rp, j, l, v);
		return;
	}
	learn_entry(rp, j, r, x);
	learn_fh(rp, j, r, x);
}
