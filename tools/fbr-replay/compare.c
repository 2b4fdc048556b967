/*
 * Comparing a live reply with the recorded one.  Both are decoded by the
 * describers fbr-trace uses, in their flat form (one "path=value" line a
 * field), after three fields of the out header's: error, length, unique.
 * Fields pair up by path; most must be equal, ids of one run must agree
 * with the bindings (ids.c), and the fields in the mask table differ from
 * run to run by nature, so they are shown but not compared unless
 * --strict.  What the describers sum up rather than show is compared on
 * the bytes: data read, xattr values, link targets, ioctl output, and the
 * names of an xattr list, as a set.  Directory listings are dirs.c's.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/describe.h"
#include "protocol/names.h"
#include "replay.h"

#define OUT_HDR sizeof(struct fuse_out_header)

enum how { HOW_EQUAL, HOW_MASK, HOW_NODE, HOW_FH, HOW_GIVEN };

/* The fields that differ by nature (the man page lists them), and ids. */
static const struct rule {
	uint32_t opcode;              /* 0: any */
	const char *path;
	enum how how;
} rules[] = {
	{ 0, "nodeid", HOW_NODE }, { 0, "fh", HOW_FH },
	{ 0, "backing_id", HOW_GIVEN },
	{ 0, "generation", HOW_MASK },
	{ 0, "attr.ino", HOW_MASK }, { 0, "attr.blocks", HOW_MASK },
	{ 0, "attr.blksize", HOW_MASK }, { 0, "attr.atime", HOW_MASK },
	{ 0, "attr.mtime", HOW_MASK }, { 0, "attr.ctime", HOW_MASK },
	{ 0, "stat.ino", HOW_MASK }, { 0, "stat.blocks", HOW_MASK },
	{ 0, "stat.mtime", HOW_MASK }, { 0, "stat.btime", HOW_MASK },
	{ FUSE_STATFS, "blocks", HOW_MASK }, { FUSE_STATFS, "bfree", HOW_MASK },
	{ FUSE_STATFS, "bavail", HOW_MASK }, { FUSE_STATFS, "files", HOW_MASK },
	{ FUSE_STATFS, "ffree", HOW_MASK }, { FUSE_STATFS, "bsize", HOW_MASK },
	{ FUSE_STATFS, "frsize", HOW_MASK }, { FUSE_BMAP, "block", HOW_MASK },
};

void verdict_init(struct verdict *v)
{
	memset(v, 0, sizeof(*v));
	fbr_emit_init_flat(&v->exp);
	fbr_emit_init_flat(&v->act);
	fbr_emit_init(&v->notes, false);
}

void verdict_release(struct verdict *v)
{
	fbr_emit_release(&v->exp);
	fbr_emit_release(&v->act);
	fbr_emit_release(&v->notes);
	free(v->rows);
	memset(v, 0, sizeof(*v));
}

void verdict_reset(struct verdict *v)
{
	fbr_emit_reset(&v->exp);
	fbr_emit_reset(&v->act);
	fbr_emit_reset(&v->notes);
	v->nrows = 0;
	v->differs = false;
}

void verdict_note(struct verdict *v, bool differs, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	fbr_emit_raw(&v->notes, line, strlen(line));
	fbr_emit_raw(&v->notes, "\n", 1);
	v->differs |= differs;
}

/* Where a path's last segment starts: "entry.attr.size" -> "attr.size"
   matches the rule for "attr.size" as well. */
static bool path_is(const struct row *r, const char *path)
{
	size_t n = strlen(path);

	return r->plen >= n && !memcmp(r->path + r->plen - n, path, n) &&
	       (r->plen == n || r->path[r->plen - n - 1] == '.');
}

static enum how how_of(uint32_t opcode, const struct row *r)
{
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if ((!rules[i].opcode || rules[i].opcode == opcode) &&
		    path_is(r, rules[i].path))
			return rules[i].how;
	return HOW_EQUAL;
}

static bool same(const struct row *r)
{
	return r->exp && r->act && r->elen == r->alen &&
	       !memcmp(r->exp, r->act, r->elen);
}

/* A directory's size is its filesystem's business: masked like times. */
static bool dir_size(const struct verdict *v, const struct row *r)
{
	char mode[16];

	if (!path_is(r, "size") || r->plen > sizeof(mode) - 5)
		return false;
	memcpy(mode, r->path, r->plen - 4);
	memcpy(mode + r->plen - 4, "mode", 5);
	for (size_t i = 0; i < v->nrows; i++)
		if (v->rows[i].plen == r->plen && v->rows[i].exp &&
		    !memcmp(v->rows[i].path, mode, r->plen) &&
		    !strncmp(v->rows[i].exp, "S_IFDIR", 7))
			return true;
	return false;
}

/* A backing id names a file for the kernel only: given or not is all. */
static enum mark mark_ids(const struct replay *rp, enum how how,
			  const struct row *r)
{
	uint64_t rec = strtoull(r->exp, NULL, 0), live = strtoull(r->act, NULL, 0);
	bool ok = how == HOW_NODE ? ids_node_agrees(&rp->ids, rec, live) :
		  how == HOW_FH ? ids_fh_agrees(&rp->ids, rec, live) :
		  (rec > 0) == (live > 0);

	return ok ? MARK_REMAPPED : MARK_DIFF;
}

static enum mark mark_of(const struct replay *rp, uint32_t opcode,
			 const struct verdict *v, const struct row *r)
{
	enum how how = how_of(opcode, r);

	if (!r->exp || !r->act)
		return MARK_DIFF;
	if (how == HOW_NODE || how == HOW_FH || how == HOW_GIVEN)
		return mark_ids(rp, how, r);
	if (same(r))
		return MARK_SAME;
	if (rp->a->strict)
		return MARK_DIFF;
	return how == HOW_MASK || dir_size(v, r) ? MARK_MASKED : MARK_DIFF;
}

static struct row *add_row(struct verdict *v)
{
	if (v->nrows == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 64;
		struct row *r = realloc(v->rows, cap * sizeof(*r));

		if (!r)
			return NULL;
		v->rows = r;
		v->cap = cap;
	}
	v->rows[v->nrows] = (struct row){ 0 };
	return &v->rows[v->nrows++];
}

/* The next "path=value" line of flat text at *p; false at the end. */
static bool next_field(const char **p, const char *end, const char **path,
		       size_t *plen, const char **val, size_t *vlen)
{
	const char *nl, *eq;

	if (*p >= end)
		return false;
	nl = memchr(*p, '\n', (size_t)(end - *p));
	nl = nl ? nl : end;
	eq = memchr(*p, '=', (size_t)(nl - *p));
	eq = eq ? eq : nl;
	*path = *p;
	*plen = (size_t)(eq - *p);
	*val = eq < nl ? eq + 1 : nl;
	*vlen = (size_t)(nl - *val);
	*p = nl + 1;
	return true;
}

/* The row of path not yet paired, looking from row from on. */
static struct row *find_row(struct verdict *v, const char *path, size_t plen,
			    size_t from)
{
	for (size_t k = 0; k < v->nrows; k++) {
		struct row *r = &v->rows[(from + k) % v->nrows];

		if (!r->act && r->plen == plen && !memcmp(r->path, path, plen))
			return r;
	}
	return NULL;
}

/* Pair the fields of both sides by path (mostly in the same order). */
static void pair_fields(struct verdict *v)
{
	const char *p = v->exp.p, *end = p + v->exp.len, *path, *val;
	size_t plen, vlen, at = 0;
	struct row *r;

	v->nrows = 0;
	while (p && next_field(&p, end, &path, &plen, &val, &vlen) &&
	       (r = add_row(v)))
		*r = (struct row){ .path = path, .plen = (uint16_t)plen,
				   .exp = val, .elen = (uint32_t)vlen };
	p = v->act.p;
	end = p + v->act.len;
	while (p && next_field(&p, end, &path, &plen, &val, &vlen)) {
		r = find_row(v, path, plen, at);
		if (!r && !(r = add_row(v)))
			return;
		if (!r->path)
			*r = (struct row){ .path = path, .plen = (uint16_t)plen };
		r->act = val;
		r->alen = (uint32_t)vlen;
		at = (size_t)(r - v->rows) + 1;
	}
}

static void judge_rows(const struct replay *rp, uint32_t opcode,
		       struct verdict *v)
{
	pair_fields(v);
	for (size_t i = 0; i < v->nrows; i++) {
		v->rows[i].mark = mark_of(rp, opcode, v, &v->rows[i]);
		v->differs |= v->rows[i].mark == MARK_DIFF;
	}
}

/* The out header's fields; a listing's length depends on the order of
   its entries, so it is left to dirs.c. */
static void header_fields(struct fbr_emit *e, const unsigned char *p,
			  uint32_t len, bool with_length)
{
	struct fuse_out_header h = { 0 };
	const char *name;

	memcpy(&h, p, len < OUT_HDR ? len : OUT_HDR);
	name = h.error < 0 ? fbr_errno_name(h.error) : NULL;
	if (name)
		fbr_emit_sym(e, "error", name);
	else
		fbr_emit_i64(e, "error", h.error);
	if (with_length)
		fbr_emit_u64(e, "length", h.len);
	fbr_emit_u64(e, "unique", h.unique);
}

/* An xattr list is a set: the host lists names in its own order. */
static bool is_name_list(const struct job *j)
{
	return j->in.opcode == FUSE_LISTXATTR && j->parsed &&
	       ((const struct fuse_getxattr_in *)j->args.in)->size != 0;
}

/* One side's fields; p and len are the whole reply, as captured. */
static void side_fields(const struct job *j, struct fbr_emit *e,
			const unsigned char *p, uint32_t len)
{
	struct fuse_out_header h = { 0 };

	header_fields(e, p, len, true);
	memcpy(&h, p, len < OUT_HDR ? len : OUT_HDR);
	if (h.error || len <= OUT_HDR)
		return;
	if (is_name_list(j))
		fbr_emit_u64(e, "bytes", len - OUT_HDR);
	else
		fbr_describe_reply(e, j->in.opcode, j->parsed ? &j->args : NULL,
				   p + OUT_HDR, len - OUT_HDR);
}

/* Sixteen bytes around off, from each side, hex and text. */
static void show_bytes(struct verdict *v, const unsigned char *rec,
		       size_t rlen, const unsigned char *live, size_t llen,
		       size_t off)
{
	size_t at = off & ~(size_t)15;

	fbr_emit_rawf(&v->notes, "data at byte %zu, expected:\n", at);
	fbr_emit_hexdump(&v->notes, "    ", rec + at, rlen - at < 16 ? rlen - at : 16);
	fbr_emit_raw(&v->notes, "actual:\n", 8);
	fbr_emit_hexdump(&v->notes, "    ", live + at,
			 llen > at ? (llen - at < 16 ? llen - at : 16) : 0);
}

/* Data, values and targets, byte for byte. */
static void compare_bytes(const unsigned char *rec,
			  size_t rlen, const unsigned char *live, size_t llen,
			  struct verdict *v)
{
	size_t n = rlen < llen ? rlen : llen, off = 0;

	while (off < n && rec[off] == live[off])
		off++;
	if (off == n && rlen == llen)
		return;
	if (off < n) {
		verdict_note(v, true, "data: %zu bytes expected, %zu came; the "
			     "first difference is at byte %zu", rlen, llen, off);
		show_bytes(v, rec, rlen, live, llen, off);
	} else {
		verdict_note(v, true, "data: %zu bytes expected, %zu came; "
			     "equal as far as both go", rlen, llen);
	}
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of an xattr list, sorted, pointing into a NUL-ended copy. */
struct names {
	char *copy;
	char **v;
	size_t n;
};

static bool split_names(const unsigned char *p, size_t len, struct names *s)
{
	s->n = 0;
	s->copy = malloc(len + 1);
	s->v = malloc((len + 1) * sizeof(*s->v));
	if (!s->copy || !s->v)
		return false;
	memcpy(s->copy, p, len);
	s->copy[len] = '\0';
	for (size_t i = 0; i < len; i += strlen(s->copy + i) + 1)
		s->v[s->n++] = s->copy + i;
	qsort(s->v, s->n, sizeof(*s->v), by_name);
	return true;
}

static void compare_names(const unsigned char *rec, size_t rlen,
			  const unsigned char *live, size_t llen,
			  struct verdict *v)
{
	struct names a = { 0 }, b = { 0 };
	size_t i = 0, k = 0;

	if (split_names(rec, rlen, &a) && split_names(live, llen, &b)) {
		while (i < a.n || k < b.n) {
			int c = i == a.n ? 1 : k == b.n ? -1 :
				strcmp(a.v[i], b.v[k]);

			if (c < 0)
				verdict_note(v, true, "xattr name \"%s\" is "
					     "missing", a.v[i]);
			else if (c > 0)
				verdict_note(v, true, "xattr name \"%s\" is "
					     "extra", b.v[k]);
			i += c <= 0;
			k += c >= 0;
		}
	}
	free(a.copy);
	free(a.v);
	free(b.copy);
	free(b.v);
}

/* The payloads the describers sum up, and where they start. */
static size_t raw_from(const struct job *j)
{
	switch (j->in.opcode) {
	case FUSE_READ: case FUSE_READLINK: case FUSE_GETXATTR:
		return 0;
	case FUSE_IOCTL:
		return sizeof(struct fuse_ioctl_out);
	default:
		return SIZE_MAX;
	}
}

static void compare_payload(const struct job *j, const unsigned char *rec,
			    size_t rlen, const unsigned char *live, size_t llen,
			    struct verdict *v)
{
	size_t from = raw_from(j);

	if (is_name_list(j))
		compare_names(rec, rlen, live, llen, v);
	else if (from != SIZE_MAX && rlen >= from && llen >= from)
		compare_bytes(rec + from, rlen - from, live + from,
			      llen - from, v);
}

static int32_t error_of(const unsigned char *p, uint32_t len)
{
	struct fuse_out_header h = { 0 };

	memcpy(&h, p, len < OUT_HDR ? len : OUT_HDR);
	return h.error;
}

void compare_errors(const struct job *j, const struct live *l,
		    struct verdict *v)
{
	if (!l->rep)
		verdict_note(v, true, "no reply came");
	else if (error_of(j->rep, j->replen) != error_of(l->rep, l->len))
		v->differs = true;
}

void compare_reply(struct replay *rp, const struct job *j,
		   const struct live *l, struct verdict *v)
{
	bool listing = j->in.opcode == FUSE_READDIR ||
		       j->in.opcode == FUSE_READDIRPLUS;

	if (!l->rep) {
		verdict_note(v, true, l->late ? "no reply came (waited in vain)"
					      : "no reply came");
		return;
	}
	/* A cut reply (a trace with a snap length): its header only. */
	if (j->replen < j->reporig || listing) {
		header_fields(&v->exp, j->rep, j->replen, !listing);
		header_fields(&v->act, l->rep, l->len, !listing);
	} else {
		side_fields(j, &v->exp, j->rep, j->replen);
		side_fields(j, &v->act, l->rep, l->len);
	}
	judge_rows(rp, j->in.opcode, v);
	if (j->replen == j->reporig && !error_of(j->rep, j->replen) &&
	    !error_of(l->rep, l->len) && j->replen >= OUT_HDR && l->len >= OUT_HDR)
		compare_payload(j, j->rep + OUT_HDR, j->replen - OUT_HDR,
				l->rep + OUT_HDR, l->len - OUT_HDR, v);
}

void compare_entries(struct replay *rp, const char *name,
		     const unsigned char *rec, const unsigned char *live,
		     struct verdict *v)
{
	struct verdict e;

	verdict_init(&e);
	fbr_describe_reply(&e.exp, FUSE_LOOKUP, NULL, rec,
			   sizeof(struct fuse_entry_out));
	fbr_describe_reply(&e.act, FUSE_LOOKUP, NULL, live,
			   sizeof(struct fuse_entry_out));
	judge_rows(rp, FUSE_LOOKUP, &e);
	for (size_t i = 0; i < e.nrows; i++) {
		const struct row *r = &e.rows[i];

		if (r->mark == MARK_DIFF)
			verdict_note(v, true, "entry \"%s\": %.*s expected %.*s, "
				     "came %.*s", name, r->plen, r->path,
				     (int)r->elen, r->exp ? r->exp : "",
				     (int)r->alen, r->act ? r->act : "");
	}
	verdict_release(&e);
}
