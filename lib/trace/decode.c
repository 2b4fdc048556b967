/*
 * The decoder's bookkeeping: requests wait in a pool, found by unique
 * through a hash map, until their reply comes; the bytes of each are kept
 * in a buffer that stays with its pool slot, so a long trace costs no
 * allocation per record once the pool has grown to the largest number of
 * requests in flight.  Successful replies that name a new node teach the
 * path table; INIT's reply sets the minor the following requests are
 * parsed by.  Rendering is in render.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/names.h"
#include "protocol/opcode.h"
#include "trace/decode.h"
#include "trace/u64map.h"

#define MAX_NODES (1u << 20) /* paths remembered; beyond that, no new ones */
#define MAX_DEPTH 256        /* a longer parent chain is a loop */

struct pending {
	struct fbr_recmsg msg;
	struct fbr_args args;
	int parse_err;
	unsigned char *buf;  /* owned by the slot, reused */
	uint32_t cap;
};

struct node {
	uint64_t parent;
	char *name;
};

struct fbr_decoder {
	fbr_event_fn fn;
	void *ctx;
	struct fbr_parse_opts opts;
	uint32_t minor;
	uint64_t init_flags;
	struct pending *pool;
	uint32_t npool, *freelist, nfree;
	struct fbr_u64map waiting;   /* unique -> pool index */
	struct fbr_u64map nodes;     /* nodeid -> index into node */
	struct node *node;
	uint32_t nnode, capnode;
};

int fbr_decoder_new(fbr_event_fn fn, void *ctx, struct fbr_decoder **out)
{
	struct fbr_decoder *d = calloc(1, sizeof(*d));

	if (!d)
		return -ENOMEM;
	d->fn = fn;
	d->ctx = ctx;
	/* Until INIT says otherwise, parse as the newest kernel would send. */
	d->opts.minor = FUSE_KERNEL_MINOR_VERSION;
	*out = d;
	return 0;
}

void fbr_decoder_free(struct fbr_decoder *d)
{
	if (!d)
		return;
	for (uint32_t i = 0; i < d->npool; i++)
		free(d->pool[i].buf);
	for (uint32_t i = 0; i < d->nnode; i++)
		free(d->node[i].name);
	free(d->pool);
	free(d->freelist);
	free(d->node);
	fbr_u64map_free(&d->waiting);
	fbr_u64map_free(&d->nodes);
	free(d);
}

uint32_t fbr_decoder_minor(const struct fbr_decoder *d)
{
	return d->minor;
}

uint64_t fbr_decoder_init_flags(const struct fbr_decoder *d)
{
	return d->init_flags;
}

static void msg_of(struct fbr_recmsg *m, const struct fbr_trace_rec *rec,
		   const unsigned char *p)
{
	m->p = p;
	m->caplen = rec->h.caplen;
	m->origlen = rec->h.origlen;
	m->ts = rec->h.ts;
	m->thread = rec->h.thread;
	m->offset = rec->offset;
}

static const char *op_name(uint32_t opcode)
{
	const char *n = fbr_opcode_name(opcode);

	return n ? n : "?";
}

/* Split a request into header and arguments; a cut one may not parse. */
static int parse_req(const struct fbr_decoder *d, const struct fbr_recmsg *m,
		     struct fuse_in_header *in, struct fbr_args *a)
{
	memset(in, 0, sizeof(*in));
	if (m->caplen < sizeof(*in))
		return -EINVAL;
	memcpy(in, m->p, sizeof(*in));
	if (m->caplen < m->origlen)
		return -EMSGSIZE;
	return fbr_args_parse(m->p, m->caplen, &d->opts, a);
}

/* A free pool slot, holding at least len bytes.  Its index, or -1. */
static long take_slot(struct fbr_decoder *d, uint32_t len)
{
	struct pending *p;
	uint32_t i;

	if (!d->nfree) {
		uint32_t n = d->npool ? d->npool * 2 : 16;
		struct pending *pool = realloc(d->pool, n * sizeof(*pool));
		uint32_t *fl = pool ? realloc(d->freelist, n * sizeof(*fl)) : NULL;

		if (pool)
			d->pool = pool;
		if (!fl)
			return -1;
		d->freelist = fl;
		memset(pool + d->npool, 0, (n - d->npool) * sizeof(*pool));
		for (i = n; i > d->npool; i--)
			d->freelist[d->nfree++] = i - 1;
		d->npool = n;
	}
	i = d->freelist[d->nfree - 1];
	p = &d->pool[i];
	if (p->cap < len) {
		unsigned char *b = malloc(len < 4096 ? 4096 : len);

		if (!b)
			return -1;
		free(p->buf);
		p->buf = b;
		p->cap = len < 4096 ? 4096 : len;
	}
	d->nfree--;
	return i;
}

static void release_slot(struct fbr_decoder *d, uint64_t i)
{
	d->freelist[d->nfree++] = (uint32_t)i;
}

static void emit_alone(struct fbr_decoder *d, enum fbr_event_kind kind,
		       const struct fbr_recmsg *req, const struct fbr_args *a,
		       int parse_err)
{
	struct fbr_event ev = { .kind = kind, .req = *req,
				.parse_err = parse_err };

	if (req->caplen >= sizeof(ev.in))
		memcpy(&ev.in, req->p, sizeof(ev.in));
	ev.args = parse_err ? NULL : a;
	ev.opname = op_name(ev.in.opcode);
	d->fn(d->ctx, &ev);
}

/* A request: kept until its reply, or shown at once if it takes none. */
static int on_request(struct fbr_decoder *d, const struct fbr_trace_rec *rec)
{
	const struct fbr_opdesc *od;
	struct fuse_in_header in;
	struct fbr_recmsg m;
	struct pending *p;
	uint64_t old;
	long i;

	msg_of(&m, rec, rec->data);
	if (rec->h.caplen < sizeof(in)) {
		emit_alone(d, FBR_EV_NOREPLY, &m, NULL, -EINVAL);
		return 0;
	}
	memcpy(&in, rec->data, sizeof(in));
	od = fbr_opdesc(in.opcode);
	if (od && (od->flags & FBR_OP_NOREPLY)) {
		struct fbr_args a;
		int err = parse_req(d, &m, &in, &a);

		emit_alone(d, FBR_EV_NOREPLY, &m, &a, err);
		return 0;
	}
	if (fbr_u64map_del(&d->waiting, in.unique, &old)) {
		/* The same unique again: the first will never be answered. */
		p = &d->pool[old];
		emit_alone(d, FBR_EV_UNANSWERED, &p->msg, &p->args, p->parse_err);
		release_slot(d, old);
	}
	i = take_slot(d, rec->h.caplen);
	if (i < 0 || fbr_u64map_put(&d->waiting, in.unique, (uint64_t)i) != 0)
		return -ENOMEM;
	p = &d->pool[i];
	memcpy(p->buf, rec->data, rec->h.caplen);
	msg_of(&p->msg, rec, p->buf);
	p->parse_err = parse_req(d, &p->msg, &in, &p->args);
	return 0;
}

/* INIT's reply: the minor both sides speak and the flags they agreed. */
static void learn_init(struct fbr_decoder *d, const struct fbr_event *ev)
{
	struct fuse_init_in in = { 0 };
	struct fuse_init_out out = { 0 };
	size_t n = ev->rep.caplen - sizeof(struct fuse_out_header);

	if (!ev->args || ev->out.error || n < 8)
		return;
	memcpy(&in, ev->args->in, ev->args->insize < sizeof(in) ?
	       ev->args->insize : sizeof(in));
	memcpy(&out, ev->rep.p + sizeof(struct fuse_out_header),
	       n < sizeof(out) ? n : sizeof(out));
	d->minor = out.minor < in.minor ? out.minor : in.minor;
	d->init_flags = out.flags;
	if (out.flags & FUSE_INIT_EXT)
		d->init_flags |= (uint64_t)out.flags2 << 32;
	d->opts.minor = d->minor;
	d->opts.setxattr_ext = (d->init_flags & FUSE_SETXATTR_EXT) != 0;
}

uint64_t fbr_event_new_nodeid(const struct fbr_event *ev)
{
	struct fuse_entry_out eo;

	if (ev->kind != FBR_EV_CALL || ev->out.error)
		return 0;
	switch (ev->in.opcode) {
	case FUSE_LOOKUP: case FUSE_MKNOD: case FUSE_MKDIR: case FUSE_SYMLINK:
	case FUSE_LINK: case FUSE_CREATE: case FUSE_TMPFILE:
		break;
	default:
		return 0;
	}
	if (ev->rep.caplen < sizeof(ev->out) + sizeof(eo))
		return 0;
	memcpy(&eo, ev->rep.p + sizeof(ev->out), sizeof(eo));
	return eo.nodeid;
}

const char *fbr_event_name(const struct fbr_event *ev)
{
	return ev->args ? ev->args->name[0] : NULL;
}

static void set_node(struct fbr_decoder *d, uint64_t nodeid, uint64_t parent,
		     const char *name)
{
	uint64_t *v = fbr_u64map_get(&d->nodes, nodeid);
	struct node *n;

	if (!v) {
		if (d->nnode >= MAX_NODES)
			return;
		if (d->nnode == d->capnode) {
			uint32_t cap = d->capnode ? d->capnode * 2 : 256;
			struct node *nn = realloc(d->node, cap * sizeof(*nn));

			if (!nn)
				return;
			d->node = nn;
			d->capnode = cap;
		}
		if (fbr_u64map_put(&d->nodes, nodeid, d->nnode) != 0)
			return;
		d->node[d->nnode++] = (struct node){ 0 };
		v = fbr_u64map_get(&d->nodes, nodeid);
	}
	n = &d->node[*v];
	n->parent = parent;
	if (n->name && !strcmp(n->name, name))
		return;
	free(n->name);
	n->name = strdup(name);
}

/* A rename moves whichever node had the old name; renames are rare. */
static void rename_node(struct fbr_decoder *d, const struct fbr_event *ev)
{
	uint64_t newdir;

	memcpy(&newdir, ev->args->in, sizeof(newdir));
	for (uint32_t i = 0; i < d->nnode; i++) {
		struct node *n = &d->node[i];

		if (n->parent != ev->in.nodeid || !n->name ||
		    strcmp(n->name, ev->args->name[0]))
			continue;
		n->parent = newdir;
		free(n->name);
		n->name = strdup(ev->args->name[1]);
		return;
	}
}

static void learn(struct fbr_decoder *d, const struct fbr_event *ev)
{
	uint64_t nodeid;

	if (ev->out.error || !ev->args)
		return;
	if (ev->in.opcode == FUSE_INIT)
		return learn_init(d, ev);
	if (ev->in.opcode == FUSE_RENAME || ev->in.opcode == FUSE_RENAME2)
		return rename_node(d, ev);
	nodeid = fbr_event_new_nodeid(ev);
	if (nodeid && ev->args->name[0] && ev->in.opcode != FUSE_TMPFILE)
		set_node(d, nodeid, ev->in.nodeid, ev->args->name[0]);
}

static void on_reply(struct fbr_decoder *d, const struct fbr_trace_rec *rec,
		     enum fbr_event_kind alone)
{
	struct fbr_event ev = { .kind = alone };
	struct pending *p;
	uint64_t i;

	msg_of(&ev.rep, rec, rec->data);
	if (rec->h.caplen >= sizeof(ev.out))
		memcpy(&ev.out, rec->data, sizeof(ev.out));
	if (alone == FBR_EV_NOTIFY) {
		const char *n = fbr_notify_name(ev.out.error);

		ev.opname = n ? n : "NOTIFY_?";
		d->fn(d->ctx, &ev);
		return;
	}
	if (!fbr_u64map_del(&d->waiting, ev.out.unique, &i)) {
		ev.kind = FBR_EV_ORPHAN;
		ev.opname = "?";
		d->fn(d->ctx, &ev);
		return;
	}
	p = &d->pool[i];
	ev.kind = FBR_EV_CALL;
	ev.req = p->msg;
	memcpy(&ev.in, p->buf, sizeof(ev.in));
	ev.parse_err = p->parse_err;
	ev.args = p->parse_err ? NULL : &p->args;
	ev.opname = op_name(ev.in.opcode);
	learn(d, &ev);
	d->fn(d->ctx, &ev);
	release_slot(d, i);
}

int fbr_decoder_feed(struct fbr_decoder *d, const struct fbr_trace_rec *rec)
{
	switch (rec->h.type) {
	case FBR_REC_REQUEST:
		return on_request(d, rec);
	case FBR_REC_REPLY:
		on_reply(d, rec, FBR_EV_ORPHAN);
		return 0;
	case FBR_REC_NOTIFY:
		on_reply(d, rec, FBR_EV_NOTIFY);
		return 0;
	default: /* a newer format's record: skip it, as format.h asks */
		return 0;
	}
}

static int by_offset(const void *a, const void *b)
{
	const struct pending *x = *(struct pending *const *)a;
	const struct pending *y = *(struct pending *const *)b;

	return x->msg.offset < y->msg.offset ? -1 : x->msg.offset > y->msg.offset;
}

void fbr_decoder_finish(struct fbr_decoder *d)
{
	struct pending **left = malloc((d->waiting.n + 1) * sizeof(*left));
	size_t n = 0;

	if (!left)
		return;
	for (size_t i = 0; i < d->waiting.cap; i++)
		if (d->waiting.used[i])
			left[n++] = &d->pool[d->waiting.vals[i]];
	/* In the order they were sent, not the hash table's. */
	qsort(left, n, sizeof(*left), by_offset);
	for (size_t i = 0; i < n; i++)
		emit_alone(d, FBR_EV_UNANSWERED, &left[i]->msg, &left[i]->args,
			   left[i]->parse_err);
	for (size_t i = 0; i < d->waiting.cap; i++)
		if (d->waiting.used[i])
			release_slot(d, d->waiting.vals[i]);
	fbr_u64map_clear(&d->waiting);
	free(left);
}

/* Walk up from nodeid, then write the names root first. */
bool fbr_decoder_path(const struct fbr_decoder *d, uint64_t nodeid,
		      char *buf, size_t size)
{
	const struct node *chain[MAX_DEPTH];
	size_t depth = 0, len = 0;

	while (nodeid != FUSE_ROOT_ID) {
		const uint64_t *v = fbr_u64map_get(&d->nodes, nodeid);

		if (!v || depth == MAX_DEPTH || !d->node[*v].name)
			return false;
		chain[depth++] = &d->node[*v];
		nodeid = d->node[*v].parent;
	}
	if (size < 2)
		return false;
	buf[len++] = '/';
	for (size_t i = depth; i-- > 0;) {
		size_t n = strlen(chain[i]->name);

		if (len + n + 2 > size)
			return false;
		memcpy(buf + len, chain[i]->name, n);
		len += n;
		if (i)
			buf[len++] = '/';
	}
	buf[len] = '\0';
	return true;
}
