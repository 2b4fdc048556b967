/*
 * The emitter: text, JSON or flat fields into a buffer that grows by
 * doubling.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/emit.h"

void fbr_emit_init(struct fbr_emit *e, bool json)
{
	memset(e, 0, sizeof(*e));
	e->json = json;
	e->first = true;
}

void fbr_emit_init_flat(struct fbr_emit *e)
{
	fbr_emit_init(e, false);
	e->flat = true;
}

void fbr_emit_release(struct fbr_emit *e)
{
	free(e->p);
	memset(e, 0, sizeof(*e));
}

void fbr_emit_reset(struct fbr_emit *e)
{
	e->len = 0;
	e->depth = 0;
	e->first = true;
	e->oom = false;
	e->pathlen[0] = 0;
	e->item[0] = 0;
	if (e->p)
		e->p[0] = '\0';
}

static bool room(struct fbr_emit *e, size_t n)
{
	size_t cap;
	char *p;

	if (e->len + n + 1 <= e->cap)
		return true;
	cap = e->cap ? e->cap : 256;
	while (cap < e->len + n + 1)
		cap *= 2;
	p = realloc(e->p, cap);
	if (!p) {
		e->oom = true;
		return false;
	}
	e->p = p;
	e->cap = cap;
	return true;
}

void fbr_emit_raw(struct fbr_emit *e, const char *s, size_t n)
{
	if (!room(e, n))
		return;
	memcpy(e->p + e->len, s, n);
	e->len += n;
	e->p[e->len] = '\0';
}

void fbr_emit_rawf(struct fbr_emit *e, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !room(e, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(e->p + e->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	e->len += (size_t)n;
}

static void put(struct fbr_emit *e, const char *s)
{
	fbr_emit_raw(e, s, strlen(s));
}

static unsigned flat_depth(const struct fbr_emit *e)
{
	return e->depth < FBR_EMIT_FLAT_DEPTH ? e->depth : FBR_EMIT_FLAT_DEPTH;
}

/* The next flat path segment: "name", ".name" inside an object, "[i]" in
   a list.  Its length, cut to fit size. */
static size_t flat_segment(struct fbr_emit *e, const char *name, char *seg,
			   size_t size)
{
	unsigned d = flat_depth(e);
	int n = name ? snprintf(seg, size, "%s%s", e->pathlen[d] ? "." : "", name)
		     : snprintf(seg, size, "[%u]", e->item[d]++);

	return n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
}

/* Flat: every field starts a line, named by the path to it. */
static void flat_key(struct fbr_emit *e, const char *name)
{
	char seg[64];
	size_t n = flat_segment(e, name, seg, sizeof(seg));

	if (e->len)
		put(e, "\n");
	fbr_emit_raw(e, e->path, e->pathlen[flat_depth(e)]);
	fbr_emit_raw(e, seg, n);
	put(e, "=");
}

/* Flat: an object or list adds its name to the path of what it holds. */
static void flat_open(struct fbr_emit *e, const char *name)
{
	char seg[64];
	size_t n = flat_segment(e, name, seg, sizeof(seg));
	unsigned d = flat_depth(e);
	size_t at = e->pathlen[d];

	e->depth++;
	if (d == FBR_EMIT_FLAT_DEPTH)
		return;
	if (at + n >= sizeof(e->path))
		n = sizeof(e->path) - 1 - at;
	memcpy(e->path + at, seg, n);
	e->pathlen[d + 1] = (uint8_t)(at + n);
	e->item[d + 1] = 0;
}

/* The separator and the name of the next field. */
void fbr_emit_key(struct fbr_emit *e, const char *name)
{
	if (e->flat)
		return flat_key(e, name);
	if (!e->first)
		put(e, ", ");
	e->first = false;
	if (!name)
		return;
	if (e->json) {
		put(e, "\"");
		put(e, name);
		put(e, "\": ");
	} else {
		put(e, name);
		put(e, "=");
	}
}

/* Unsigned decimal without printf: the decoder's hottest path. */
static void put_u64(struct fbr_emit *e, uint64_t v)
{
	char buf[24];
	int i = sizeof(buf);

	do {
		buf[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	fbr_emit_raw(e, buf + i, sizeof(buf) - (size_t)i);
}

void fbr_emit_u64(struct fbr_emit *e, const char *name, uint64_t v)
{
	fbr_emit_key(e, name);
	put_u64(e, v);
}

void fbr_emit_i64(struct fbr_emit *e, const char *name, int64_t v)
{
	fbr_emit_key(e, name);
	if (v < 0) {
		put(e, "-");
		put_u64(e, (uint64_t)0 - (uint64_t)v);
	} else {
		put_u64(e, (uint64_t)v);
	}
}

/*
 * v in base 16 or 8 with C's prefix ("0x1f", "017"), at least width
 * digits, zero as "0": what "%#llx" and "%#llo" print, without printf,
 * since fh and mode fields are on every line the decoder writes.
 */
static void put_base(struct fbr_emit *e, uint64_t v, unsigned shift,
		     int width, const char *prefix)
{
	char buf[32];
	int i = sizeof(buf);
	uint64_t mask = (1u << shift) - 1;

	do {
		buf[--i] = "0123456789abcdef"[v & mask];
		v >>= shift;
		width--;
	} while (v || width > 0);
	if (prefix)
		put(e, prefix);
	fbr_emit_raw(e, buf + i, sizeof(buf) - (size_t)i);
}

void fbr_emit_hex(struct fbr_emit *e, const char *name, uint64_t v)
{
	fbr_emit_key(e, name);
	if (e->json)
		put_u64(e, v);
	else
		put_base(e, v, 4, 1, v ? "0x" : NULL);
}

void fbr_emit_oct(struct fbr_emit *e, const char *name, uint64_t v)
{
	fbr_emit_key(e, name);
	if (e->json)
		put_u64(e, v);
	else
		put_base(e, v, 3, 1, v ? "0" : NULL);
}

static void put_escaped(struct fbr_emit *e, const char *s, size_t n)
{
	size_t start = 0;

	put(e, "\"");
	for (size_t i = 0; i < n && s[i]; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			continue;
		fbr_emit_raw(e, s + start, i - start);
		if (c == '"' || c == '\\')
			fbr_emit_rawf(e, "\\%c", c);
		else if (e->json)
			fbr_emit_rawf(e, "\\u%04x", c);
		else
			fbr_emit_rawf(e, "\\x%02x", c);
		start = i + 1;
	}
	fbr_emit_raw(e, s + start, strnlen(s + start, n - start));
	put(e, "\"");
}

void fbr_emit_str(struct fbr_emit *e, const char *name, const char *s, size_t n)
{
	fbr_emit_key(e, name);
	put_escaped(e, s, n);
}

void fbr_emit_flags_after(struct fbr_emit *e, const char *name,
			  const char *lead, uint64_t v,
			  const struct fbr_flagname *names)
{
	bool any = lead != NULL;

	fbr_emit_key(e, name);
	if (e->json)
		put(e, "\"");
	if (lead)
		put(e, lead);
	for (; names && names->name && v; names++) {
		if (!names->bit || (v & names->bit) != names->bit)
			continue;
		if (any)
			put(e, "|");
		put(e, names->name);
		v &= ~names->bit;
		any = true;
	}
	if (v || !any) {
		if (any)
			put(e, "|");
		put_base(e, v, 4, 1, v ? "0x" : NULL);
	}
	if (e->json)
		put(e, "\"");
}

void fbr_emit_flags(struct fbr_emit *e, const char *name, uint64_t v,
		    const struct fbr_flagname *names)
{
	fbr_emit_flags_after(e, name, NULL, v, names);
}

void fbr_emit_sym(struct fbr_emit *e, const char *name, const char *sym)
{
	fbr_emit_key(e, name);
	if (e->json)
		put_escaped(e, sym, strlen(sym));
	else
		put(e, sym);
}

static const char *type_name(uint32_t mode)
{
	switch (mode & 0170000) {
	case 0140000: return "S_IFSOCK";
	case 0120000: return "S_IFLNK";
	case 0100000: return "S_IFREG";
	case 0060000: return "S_IFBLK";
	case 0040000: return "S_IFDIR";
	case 0020000: return "S_IFCHR";
	case 0010000: return "S_IFIFO";
	default: return NULL;
	}
}

void fbr_emit_mode(struct fbr_emit *e, const char *name, uint32_t mode)
{
	const char *t = type_name(mode);

	fbr_emit_key(e, name);
	if (e->json)
		put(e, "\"");
	if (t) {
		put(e, t);
		put_base(e, mode & 07777, 3, 4, "|");
	} else {
		put_base(e, mode, 3, 1, mode ? "0" : NULL);
	}
	if (e->json)
		put(e, "\"");
}

void fbr_emit_time(struct fbr_emit *e, const char *name, uint64_t sec,
		   uint32_t nsec)
{
	char frac[10];

	fbr_emit_key(e, name);
	put_u64(e, sec);
	frac[0] = '.';
	for (int i = 9; i > 0; i--, nsec /= 10)
		frac[i] = (char)('0' + nsec % 10);
	fbr_emit_raw(e, frac, sizeof(frac));
}

void fbr_emit_begin(struct fbr_emit *e, const char *name)
{
	if (e->flat)
		return flat_open(e, name);
	fbr_emit_key(e, name);
	put(e, "{");
	e->depth++;
	e->first = true;
}

void fbr_emit_end(struct fbr_emit *e)
{
	if (!e->flat)
		put(e, "}");
	if (e->depth)
		e->depth--;
	e->first = false;
}

void fbr_emit_list_begin(struct fbr_emit *e, const char *name)
{
	if (e->flat)
		return flat_open(e, name);
	fbr_emit_key(e, name);
	put(e, "[");
	e->depth++;
	e->first = true;
}

void fbr_emit_list_end(struct fbr_emit *e)
{
	if (!e->flat)
		put(e, "]");
	if (e->depth)
		e->depth--;
	e->first = false;
}
