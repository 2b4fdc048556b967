/*
 * The model of fbr-stress: a process's names as slots of a fixed table,
 * the files behind them with their bytes and extended attributes, the
 * choice of what to try next, and the report of a result the model did
 * not predict.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/stress/stress.h"

/* splitmix64: one word of state, so a process's calls follow its seed. */
uint64_t rnd(struct worker *w, uint64_t n)
{
	uint64_t z = (w->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	return n ? z % n : z;
}

void fill_random(struct worker *w, unsigned char *buf, size_t len)
{
	for (size_t i = 0; i < len; i += 8) {
		uint64_t v = rnd(w, 0);

		memcpy(buf + i, &v, len - i < 8 ? len - i : 8);
	}
}

/* Directories: 0 is the root, 1..NSUB below it, then NSUB below each. */
int dir_parent(int d)
{
	return d == 0 ? -1 : d <= NSUB ? 0 : 1 + (d - 1 - NSUB) / NSUB;
}

int dir_depth(int d)
{
	return d == 0 ? 0 : d <= NSUB ? 1 : 2;
}

int dir_child(int d, int i)
{
	return d == 0 ? 1 + i : 1 + NSUB + (d - 1) * NSUB + i;
}

bool dir_within(int d, int e)
{
	for (; e >= 0 && e != DIR_SHARED; e = dir_parent(e))
		if (e == d)
			return true;
	return false;
}

char *dir_path(const struct worker *w, int d, char *buf)
{
	if (d == DIR_SHARED)
		snprintf(buf, PATH_LEN, "shared");
	else if (d == 0)
		snprintf(buf, PATH_LEN, "p%d", w->id);
	else if (d <= NSUB)
		snprintf(buf, PATH_LEN, "p%d/d%d", w->id, d - 1);
	else
		snprintf(buf, PATH_LEN, "p%d/d%d/d%d", w->id,
			 dir_parent(d) - 1, (d - 1 - NSUB) % NSUB);
	return buf;
}

char *slot_path(const struct worker *w, int s, char *buf)
{
	int d = s / NNAMES, k = s % NNAMES;
	size_t n;

	if (d == DIR_SHARED) {
		snprintf(buf, PATH_LEN, "shared/p%d-f%d", w->id, k);
		return buf;
	}
	n = strlen(dir_path(w, d, buf));
	snprintf(buf + n, PATH_LEN - n, "/f%d", k);
	return buf;
}

/* Every component but the last resolves. */
bool dir_reachable(const struct worker *w, int d)
{
	return d == 0 || w->dir[dir_parent(d)];
}

bool slot_reachable(const struct worker *w, int s)
{
	return s / NNAMES == DIR_SHARED || w->dir[s / NNAMES];
}

bool dir_empty(const struct worker *w, int d)
{
	for (int k = 0; k < NNAMES; k++)
		if (w->slot[d * NNAMES + k] >= 0)
			return false;
	for (int i = 0; dir_depth(d) < 2 && i < NSUB; i++)
		if (w->dir[dir_child(d, i)])
			return false;
	return true;
}

/* Mostly a directory that exists, sometimes one that may not. */
int pick_dir(struct worker *w)
{
	int d = (int)rnd(w, NDIRS);

	for (int i = 0; i < 4 && !w->dir[d] && rnd(w, 5); i++)
		d = (int)rnd(w, NDIRS);
	return d;
}

int pick_slot(struct worker *w)
{
	int d = rnd(w, 6) ? pick_dir(w) : DIR_SHARED;

	return d * NNAMES + (int)rnd(w, NNAMES);
}

/* Mostly a name that is a file, sometimes any. */
int pick_file(struct worker *w)
{
	int s = pick_slot(w);

	for (int i = 0; i < 8 && w->slot[s] < 0 && rnd(w, 6); i++)
		s = pick_slot(w);
	return s;
}

int inode_new(struct worker *w, ino_t st_ino)
{
	for (int i = 0; i < NINODES; i++) {
		struct inode *n = &w->ino[i];

		if (n->nlink || n->held)
			continue;
		if (!n->data && !(n->data = calloc(1, MAXSIZE)))
			abort();
		memset(n->data, 0, n->size);
		memset(n->x, 0, sizeof n->x);
		n->size = 0;
		n->nlink = 1;
		n->st_ino = st_ino;
		return i;
	}
	abort();	/* more files than names and fds: a model bug */
}

void model_write(struct inode *n, size_t off, const void *buf, size_t len)
{
	memcpy(n->data + off, buf, len);
	if (off + len > n->size)
		n->size = off + len;
}

void model_resize(struct inode *n, size_t size)
{
	if (size < n->size)
		memset(n->data + size, 0, n->size - size);
	n->size = size;
}

/* Rename directory src over dst (absent or empty), at the same depth. */
void model_move_dir(struct worker *w, int src, int dst)
{
	for (int k = 0; k < NNAMES; k++) {
		w->slot[dst * NNAMES + k] = w->slot[src * NNAMES + k];
		w->slot[src * NNAMES + k] = -1;
	}
	for (int i = 0; dir_depth(src) < 2 && i < NSUB; i++) {
		int a = dir_child(src, i), b = dir_child(dst, i);

		if (w->dir[a])
			model_move_dir(w, a, b);
	}
	w->dir[src] = false;
	w->dir[dst] = true;
}

static const char *errno_name(int e)
{
	const char *name = e ? strerrorname_np(e) : "success";

	return name ? name : "an unknown errno";
}

int fail(struct worker *w, enum op op, const char *fmt, ...)
{
	va_list ap;

	flockfile(stderr);
	fprintf(stderr, "fbr-stress: p%d, call %llu, %s: ", w->id, w->serial,
		op_name(op));
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	funlockfile(stderr);
	w->tally->failed = 1;
	w->board->stop = 1;
	return -1;
}

/* got and want: 0 for success, else an errno. */
int expect(struct worker *w, enum op op, const char *p1, const char *p2,
	   int got, int want)
{
	if (got == want) {
		if (want)
			w->tally->errs[op]++;
		return 0;
	}
	return fail(w, op, "'%s'%s%s%s: got %s, expected %s", p1,
		    p2 ? " '" : "", p2 ? p2 : "", p2 ? "'" : "",
		    errno_name(got), errno_name(want));
}

int close_checked(struct worker *w, enum op op, const char *p, int fd)
{
	if (close(fd) == 0)
		return 0;
	return fail(w, op, "close '%s': %s", p, strerror(errno));
}
