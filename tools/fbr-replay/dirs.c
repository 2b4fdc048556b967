/*
 * Directory listings.  A listing's order, its offsets and how it falls
 * into READDIR replies are the host filesystem's business, so a listing
 * is compared as a set of names and types once it has been read through
 * (a pass: from offset 0 to an empty reply, or to RELEASEDIR or a rewind
 * when the kernel stopped early).  Offsets are remapped: where the
 * recorded listing stopped is bound to where the live one did, and each
 * name's recorded offset to its live one, for a seekdir.  READDIRPLUS
 * entries are lookups: a name's recorded nodeid is bound to its live one
 * as soon as both sides have listed the name, their attributes compared
 * then, and live lookups on names the recording never listed are given
 * back at the end of the pass.
 */
#include <stdlib.h>
#include <string.h>

#include "replay.h"

#define SHOWN 20 /* names listed per kind of difference */

struct entry {
	char *name;
	uint32_t type;
	uint64_t off;
	uint64_t nodeid;              /* READDIRPLUS: the lookup, or 0 */
	unsigned char eo[sizeof(struct fuse_entry_out)];
	int64_t match;                /* the same name on the other side */
	int64_t next;                 /* the previous entry of the same hash */
};

struct side {
	struct entry *e;
	size_t n, cap;
	struct fbr_u64map names;      /* name hash -> its last entry */
};

struct dir {
	struct fbr_u64map off;        /* recorded offset -> live offset */
	struct side rec, live;        /* this pass */
};

/* One fuse_dirent(plus) record, bounds-checked. */
struct dent {
	struct fuse_dirent d;
	const char *name;
	const unsigned char *eo;      /* READDIRPLUS: its fuse_entry_out */
};

static bool next_dent(const unsigned char *p, size_t len, size_t *at,
		      bool plus, struct dent *x)
{
	size_t head = plus ? FUSE_NAME_OFFSET_DIRENTPLUS : FUSE_NAME_OFFSET;

	if (*at + head > len)
		return false;
	memcpy(&x->d, p + *at + head - FUSE_NAME_OFFSET, sizeof(x->d));
	if (x->d.namelen > FUSE_NAME_MAX || *at + head + x->d.namelen > len)
		return false;
	x->name = (const char *)p + *at + head;
	x->eo = plus ? p + *at : NULL;
	*at += FUSE_DIRENT_ALIGN(head + x->d.namelen);
	return true;
}

static uint64_t hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

/* An entry of this side's pass not yet matched, called name; or -1. */
static int64_t find(const struct side *s, const char *name)
{
	const uint64_t *v = fbr_u64map_get(&s->names, hash(name));

	for (int64_t i = v ? (int64_t)*v : -1; i >= 0; i = s->e[i].next)
		if (s->e[i].match < 0 && !strcmp(s->e[i].name, name))
			return i;
	return -1;
}

static int64_t add(struct side *s, const struct dent *x)
{
	struct entry *e;
	uint64_t h, *last;

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;

		e = realloc(s->e, cap * sizeof(*e));
		if (!e)
			return -1;
		s->e = e;
		s->cap = cap;
	}
	e = &s->e[s->n];
	*e = (struct entry){ .type = x->d.type, .off = x->d.off, .match = -1 };
	e->name = strndup(x->name, x->d.namelen);
	if (!e->name)
		return -1;
	if (x->eo) {
		memcpy(e->eo, x->eo, sizeof(e->eo));
		e->nodeid = load_u64(x->eo + offsetof(struct fuse_entry_out, nodeid));
	}
	h = hash(e->name);
	last = fbr_u64map_get(&s->names, h);
	e->next = last ? (int64_t)*last : -1;
	if (fbr_u64map_put(&s->names, h, s->n))
		return -1;
	return (int64_t)s->n++;
}

static void side_clear(struct side *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->e[i].name);
	s->n = 0;
	fbr_u64map_clear(&s->names);
}

static void side_free(struct side *s)
{
	side_clear(s);
	free(s->e);
	fbr_u64map_free(&s->names);
}

/* The same name on both sides: offsets and lookups are bound. */
static void pair(struct replay *rp, struct dir *dir, struct entry *r,
		 struct entry *l, struct verdict *v)
{
	r->match = l - dir->live.e;
	l->match = r - dir->rec.e;
	if (fbr_u64map_put(&dir->off, r->off, l->off) ||
	    (r->nodeid && l->nodeid &&
	     ids_bind_node(&rp->ids, r->nodeid, l->nodeid)))
		replay_trouble(rp, "out of memory");
	if (r->nodeid && l->nodeid && !rp->a->bench)
		compare_entries(rp, r->name, r->eo, l->eo, v);
}

/* A live lookup with no recorded one to answer for it. */
static void give_back(struct replay *rp, struct entry *l)
{
	if (l->nodeid)
		replay_forget_live(rp, l->nodeid, 1);
	l->nodeid = 0;
}

static int by_entry(const void *a, const void *b)
{
	const struct entry *x = *(struct entry *const *)a;
	const struct entry *y = *(struct entry *const *)b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->type > y->type) - (x->type < y->type);
}

static struct entry **sorted(struct side *s)
{
	struct entry **v = malloc((s->n + 1) * sizeof(*v));

	for (size_t i = 0; v && i < s->n; i++)
		v[i] = &s->e[i];
	if (v)
		qsort(v, s->n, sizeof(*v), by_entry);
	return v;
}

static void say(struct verdict *v, unsigned *shown, const struct entry *e,
		const char *what)
{
	if ((*shown)++ < SHOWN)
		verdict_note(v, true, "listing: \"%s\" (type %u) is %s", e->name,
			     e->type, what);
}

/* Both sides of a pass as sets: what one has and the other lacks. */
static void compare_sets(struct dir *dir, struct verdict *v)
{
	struct entry **a = sorted(&dir->rec), **b = sorted(&dir->live);
	size_t i = 0, k = 0;
	unsigned missing = 0, extra = 0;

	while (a && b && (i < dir->rec.n || k < dir->live.n)) {
		int c = i == dir->rec.n ? 1 : k == dir->live.n ? -1 :
			by_entry(&a[i], &b[k]);

		if (c < 0)
			say(v, &missing, a[i], "missing");
		else if (c > 0)
			say(v, &extra, b[k], "extra");
		i += c <= 0;
		k += c >= 0;
	}
	if (missing > SHOWN || extra > SHOWN)
		verdict_note(v, true, "listing: %u missing and %u extra in all",
			     missing, extra);
	free(a);
	free(b);
}

static void end_pass(struct replay *rp, struct dir *dir, struct verdict *v)
{
	if (!dir->rec.n && !dir->live.n)
		return;
	compare_sets(dir, v);
	for (size_t i = 0; i < dir->live.n; i++)
		if (dir->live.e[i].match < 0 ||
		    !dir->rec.e[dir->live.e[i].match].nodeid)
			give_back(rp, &dir->live.e[i]);
	side_clear(&dir->rec);
	side_clear(&dir->live);
}

static struct dir *dir_of(struct replay *rp, uint64_t fh)
{
	uint64_t *v = fbr_u64map_get(&rp->dirs.by_fh, fh);
	struct dir *dir;

	if (v)
		return (struct dir *)(uintptr_t)*v;
	dir = calloc(1, sizeof(*dir));
	if (dir && fbr_u64map_put(&rp->dirs.by_fh, fh, (uintptr_t)dir)) {
		free(dir);
		dir = NULL;
	}
	if (!dir)
		replay_trouble(rp, "out of memory");
	return dir;
}

/* The recorded entries of a reply, each counted as a lookup if it is one,
   matched with live ones already listed; where the listing stopped. */
static uint64_t take_recorded(struct replay *rp, struct dir *dir,
			      const unsigned char *p, size_t len, bool plus,
			      struct verdict *v)
{
	struct dent x;
	size_t at = 0;
	uint64_t last = 0;
	int64_t i, m;

	while (next_dent(p, len, &at, plus, &x) && (i = add(&dir->rec, &x)) >= 0) {
		struct entry *r = &dir->rec.e[i];

		last = r->off;
		if (r->nodeid && ids_lookup(&rp->ids, r->nodeid, 0))
			replay_trouble(rp, "out of memory");
		m = find(&dir->live, r->name);
		if (m >= 0)
			pair(rp, dir, r, &dir->live.e[m], v);
	}
	return last;
}

/* The live entries, the same way; where the live listing stopped (last,
   the offset it was read from, if it gave none). */
static uint64_t take_live(struct replay *rp, struct dir *dir,
			  const unsigned char *p, size_t len, bool plus,
			  uint64_t last, struct verdict *v)
{
	struct dent x;
	size_t at = 0;
	int64_t i, m;

	while (next_dent(p, len, &at, plus, &x) && (i = add(&dir->live, &x)) >= 0) {
		struct entry *l = &dir->live.e[i];

		last = l->off;
		m = find(&dir->rec, l->name);
		if (m >= 0)
			pair(rp, dir, &dir->rec.e[m], l, v);
	}
	return last;
}

void dirs_reply(struct replay *rp, const struct job *j,
		const struct live *l, struct verdict *v)
{
	const size_t hdr = sizeof(struct fuse_out_header);
	bool plus = j->in.opcode == FUSE_READDIRPLUS;
	struct dir *dir = dir_of(rp, job_recorded(j, "fh"));
	uint64_t rec_last, live_last;

	if (!dir)
		return;
	if (job_recorded(j, "offset") == 0)
		end_pass(rp, dir, v); /* a rewind: the last pass ends short */
	rec_last = take_recorded(rp, dir, j->rep + hdr, j->replen - hdr, plus, v);
	live_last = take_live(rp, dir, l->rep + hdr, l->len - hdr, plus,
			      ((const struct fuse_read_in *)j->args.in)->offset, v);
	if (j->replen == hdr)
		end_pass(rp, dir, v);
	else if (fbr_u64map_put(&dir->off, rec_last, live_last))
		replay_trouble(rp, "out of memory");
}

void dirs_nodeids(const struct job *j, dirent_fn fn, void *ctx)
{
	const size_t hdr = sizeof(struct fuse_out_header);
	struct dent x;
	size_t at = 0;

	if (j->in.opcode != FUSE_READDIRPLUS || !j->rep || j->replen <= hdr)
		return;
	while (next_dent(j->rep + hdr, j->replen - hdr, &at, true, &x))
		fn(ctx, load_u64(x.eo + offsetof(struct fuse_entry_out, nodeid)),
		   x.name, x.d.namelen);
}

uint64_t dirs_offset(const struct dirs *d, uint64_t fh, uint64_t off)
{
	const uint64_t *v = fbr_u64map_get(&d->by_fh, fh);
	const struct dir *dir = v ? (const struct dir *)(uintptr_t)*v : NULL;

	if (off == 0 || !dir)
		return off;
	v = fbr_u64map_get(&dir->off, off);
	return v ? *v : off;
}

static void dir_free(struct dir *dir)
{
	side_free(&dir->rec);
	side_free(&dir->live);
	fbr_u64map_free(&dir->off);
	free(dir);
}

void dirs_release(struct replay *rp, uint64_t fh, struct verdict *v)
{
	uint64_t p;

	if (!fbr_u64map_del(&rp->dirs.by_fh, fh, &p))
		return;
	end_pass(rp, (struct dir *)(uintptr_t)p, v);
	dir_free((struct dir *)(uintptr_t)p);
}

void dirs_free(struct dirs *d)
{
	for (size_t i = 0; i < d->by_fh.cap; i++)
		if (d->by_fh.used[i])
			dir_free((struct dir *)(uintptr_t)d->by_fh.vals[i]);
	fbr_u64map_free(&d->by_fh);
}
