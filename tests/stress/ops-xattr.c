/*
 * The extended attribute calls of fbr-stress, on user.x0 to user.x3 of
 * files: set (plain, XATTR_CREATE over an existing one: EEXIST,
 * XATTR_REPLACE of a missing one: ENODATA), get (also the size query),
 * remove, and list with every value read back.  Values are 0 to 63 random
 * bytes; the empty value counts as set.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/xattr.h>

#include "tests/stress/stress.h"

static int err(ssize_t ret)
{
	return ret < 0 ? errno : 0;
}

/* The errno a call on an attribute of slot s gives before the attribute
 * itself matters. */
static int want_file(const struct worker *w, int s)
{
	return slot_reachable(w, s) && w->slot[s] >= 0 ? 0 : ENOENT;
}

static void xattr_name(int a, char *buf)
{
	snprintf(buf, 16, "user.x%d", a);
}

int op_setxattr(struct worker *w)
{
	static const int flags[] = { 0, XATTR_CREATE, XATTR_REPLACE };
	int s = pick_file(w), a = (int)rnd(w, NXATTRS), want = want_file(w, s);
	int f = flags[rnd(w, 3)];
	unsigned char val[XATTR_MAX];
	size_t len = rnd(w, XATTR_MAX);
	char p[PATH_LEN], name[16];
	struct xattr *x;

	slot_path(w, s, p);
	xattr_name(a, name);
	fill_random(w, val, len);
	x = want ? NULL : &w->ino[w->slot[s]].x[a];
	if (x && f == XATTR_CREATE && x->set)
		want = EEXIST;
	else if (x && f == XATTR_REPLACE && !x->set)
		want = ENODATA;
	if (expect(w, OP_SETXATTR, p, name,
		   err(setxattr(p, name, val, len, f)), want))
		return -1;
	if (!want) {
		x->set = true;
		x->len = len;
		memcpy(x->val, val, len);
	}
	return 0;
}

int op_getxattr(struct worker *w)
{
	int s = pick_file(w), a = (int)rnd(w, NXATTRS), want = want_file(w, s);
	bool probe = rnd(w, 4) == 0;	/* the size alone */
	unsigned char val[2 * XATTR_MAX];
	char p[PATH_LEN], name[16];
	struct xattr *x;
	ssize_t n;

	slot_path(w, s, p);
	xattr_name(a, name);
	x = want ? NULL : &w->ino[w->slot[s]].x[a];
	if (x && !x->set)
		want = ENODATA;
	n = getxattr(p, name, probe ? NULL : val, probe ? 0 : sizeof val);
	if (expect(w, OP_GETXATTR, p, name, err(n), want))
		return -1;
	if (want)
		return 0;
	if ((size_t)n != x->len || (!probe && memcmp(val, x->val, x->len)))
		return fail(w, OP_GETXATTR, "'%s' %s: %zd bytes%s, expected %zu",
			    p, name, n, (size_t)n == x->len ? " that differ" : "",
			    x->len);
	return 0;
}

int op_removexattr(struct worker *w)
{
	int s = pick_file(w), a = (int)rnd(w, NXATTRS), want = want_file(w, s);
	char p[PATH_LEN], name[16];
	struct xattr *x;

	slot_path(w, s, p);
	xattr_name(a, name);
	x = want ? NULL : &w->ino[w->slot[s]].x[a];
	if (x && !x->set)
		want = ENODATA;
	if (expect(w, OP_REMOVEXATTR, p, name, err(removexattr(p, name)),
		   want))
		return -1;
	if (!want)
		x->set = false;
	return 0;
}

int op_listxattr(struct worker *w)
{
	int s = pick_file(w), want = want_file(w, s);
	char p[PATH_LEN];

	slot_path(w, s, p);
	if (want)
		return expect(w, OP_LISTXATTR, p, NULL,
			      err(listxattr(p, NULL, 0)), want);
	return check_xattrs(w, OP_LISTXATTR, p, w->slot[s]);
}

/*
 * listxattr of p: the user.* names are those set in the model (other
 * namespaces are the file system's business), and each reads back its
 * value.
 */
int check_xattrs(struct worker *w, enum op op, const char *p, int i)
{
	struct inode *n = &w->ino[i];
	bool seen[NXATTRS] = { false };
	char list[1024], name[16];
	ssize_t len = listxattr(p, list, sizeof list);
	unsigned char val[2 * XATTR_MAX];

	if (len < 0)
		return fail(w, op, "listxattr '%s': %s", p, strerror(errno));
	for (char *e = list; e < list + len; e += strlen(e) + 1) {
		int a;

		if (strncmp(e, "user.", 5))
			continue;
		if (sscanf(e, "user.x%d", &a) != 1 || a < 0 || a >= NXATTRS)
			a = NXATTRS;
		else
			xattr_name(a, name);
		if (a == NXATTRS || strcmp(e, name) || !n->x[a].set || seen[a])
			return fail(w, op, "'%s': listed %s, not set", p, e);
		seen[a] = true;
	}
	for (int a = 0; a < NXATTRS; a++) {
		ssize_t got;

		if (n->x[a].set && !seen[a])
			return fail(w, op, "'%s': user.x%d not listed", p, a);
		if (!n->x[a].set)
			continue;
		xattr_name(a, name);
		got = getxattr(p, name, val, sizeof val);
		if (got != (ssize_t)n->x[a].len ||
		    memcmp(val, n->x[a].val, n->x[a].len))
			return fail(w, op, "'%s' %s: %zd bytes (%s), expected %zu",
				    p, name, got, got < 0 ? strerror(errno) :
				    "differ", n->x[a].len);
	}
	return 0;
}
