/*
 * The pseudo tree: the directories the mount paths pass through, built
 * once before INIT and read-only after, so lookups take no lock.  It is
 * small (a few nodes per mount path): children are found by a scan.
 *
 * Mount paths may not nest: below a backend's root everything is the
 * backend's, so a pseudo directory cannot appear there, and a backend
 * at a pseudo directory would hide the paths through it.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/vfs/vfsi.h"

int vfs_tree_init(struct vfs_tree *t)
{
	t->cap = 8;
	t->nodes = calloc(t->cap, sizeof(*t->nodes));
	if (!t->nodes)
		return -ENOMEM;
	t->nodes[0] = (struct vfs_node){ .parent = 0, .backend = -1 };
	t->n = 1;
	return 0;
}

void vfs_tree_fini(struct vfs_tree *t)
{
	for (uint32_t i = 0; t->nodes && i < t->n; i++)
		free(t->nodes[i].name);
	free(t->nodes);
	t->nodes = NULL;
	t->n = t->cap = 0;
}

int vfs_tree_child(const struct vfs_tree *t, uint32_t dir, const char *name)
{
	for (uint32_t i = 1; i < t->n; i++)
		if (t->nodes[i].parent == dir &&
		    !strcmp(t->nodes[i].name, name))
			return (int)i;
	return -1;
}

int vfs_tree_node(const struct vfs_tree *t, uint64_t ino)
{
	return ino >= 1 && ino <= t->n ? (int)(ino - 1) : -1;
}

static bool has_children(const struct vfs_tree *t, uint32_t dir)
{
	for (uint32_t i = 1; i < t->n; i++)
		if (t->nodes[i].parent == dir)
			return true;
	return false;
}

static int new_node(struct vfs_tree *t, uint32_t parent, const char *name,
		    size_t len, int backend)
{
	if (t->n == t->cap) {
		struct vfs_node *n = realloc(t->nodes, 2 * t->cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		t->nodes = n;
		t->cap *= 2;
	}
	t->nodes[t->n].name = strndup(name, len);
	if (!t->nodes[t->n].name)
		return -ENOMEM;
	t->nodes[t->n].parent = parent;
	t->nodes[t->n].backend = backend;
	return (int)t->n++;
}

/* The next name of *p, its length in *len; NULL past the last. */
static const char *next_name(const char **p, size_t *len)
{
	const char *s = *p + strspn(*p, "/");

	*len = strcspn(s, "/");
	*p = s + *len;
	return *len ? s : NULL;
}

/* Whether another name follows. */
static bool more(const char *p)
{
	return p[strspn(p, "/")] != '\0';
}

static bool name_ok(const char *s, size_t len)
{
	return len <= NAME_MAX && !(len == 1 && s[0] == '.') &&
	       !(len == 2 && s[0] == '.' && s[1] == '.');
}

/* Nothing added unless the whole path is good: check, then build. */
static int check(const struct vfs_tree *t, const char *path)
{
	const char *p = path, *s;
	size_t len, names = 0;
	int dir = 0, child;
	char name[NAME_MAX + 1];

	if (path[0] != '/')
		return -EINVAL;
	while ((s = next_name(&p, &len))) {
		if (!name_ok(s, len))
			return -EINVAL;
		names++;
		if (dir < 0)
			continue; /* below a new node: nothing there yet */
		memcpy(name, s, len);
		name[len] = '\0';
		child = vfs_tree_child(t, (uint32_t)dir, name);
		if (child >= 0 && t->nodes[child].backend >= 0)
			return more(p) ? -EBUSY : -EEXIST;
		dir = child;
	}
	if (!names)
		return -EINVAL;
	return dir >= 0 && has_children(t, (uint32_t)dir) ? -EBUSY : 0;
}

int vfs_tree_add(struct vfs_tree *t, const char *path, int backend)
{
	const char *p = path, *s;
	size_t len;
	int dir = 0, err = check(t, path);
	char name[NAME_MAX + 1];

	if (err)
		return err;
	while ((s = next_name(&p, &len))) {
		int child;

		memcpy(name, s, len);
		name[len] = '\0';
		child = vfs_tree_child(t, (uint32_t)dir, name);
		if (child < 0)
			child = new_node(t, (uint32_t)dir, s, len,
					 more(p) ? -1 : backend);
		if (child < 0)
			return child;
		dir = child;
	}
	return dir;
}
