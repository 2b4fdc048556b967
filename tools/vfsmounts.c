/*
 * --mount PATH=SOURCE: the argument split at its first '=', the path
 * checked against the others as the vfs driver will take it (absolute,
 * no "." or "..", not given twice, not inside or holding another), then
 * at run time each source opened through the passthrough driver and put
 * in the vfs's pseudo tree.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "vfsmounts.h"
#include "drivers/vfs/vfs.h"

static const char *why(int err)
{
	switch (err) {
	case -EEXIST:
		return "the path is given twice";
	case -EBUSY:
		return "the path lies inside another --mount path, "
		       "or holds one";
	case -E2BIG:
		return "more than 127 --mount options";
	default:
		return "the path must be absolute, below /, "
		       "with no . or .. in it";
	}
}

static int grow(struct vfs_mounts *m)
{
	size_t n = m->n + 1;
	char **args = realloc(m->args, n * sizeof(*args));
	const char **paths, **sources;

	if (args)
		m->args = args;
	paths = args ? realloc(m->paths, n * sizeof(*paths)) : NULL;
	if (paths)
		m->paths = paths;
	sources = paths ? realloc(m->sources, n * sizeof(*sources)) : NULL;
	if (sources)
		m->sources = sources;
	return sources ? 0 : -1;
}

int vfs_mounts_add(struct vfs_mounts *m, const char *arg)
{
	const char *eq = strchr(arg, '=');
	char *copy;
	size_t bad;
	int err;

	if (!eq || eq == arg || !eq[1]) {
		usage_error("invalid --mount: '%s' (PATH=SOURCE)", arg);
		return CLI_EXIT_USAGE;
	}
	if (grow(m) || !(copy = strdup(arg))) {
		errmsg("out of memory");
		return 1;
	}
	copy[eq - arg] = '\0';
	m->args[m->n] = copy;
	m->paths[m->n] = copy;
	m->sources[m->n] = copy + (eq - arg) + 1;
	m->n++;
	err = fbr_vfs_check(m->paths, m->n, &bad);
	if (err) {
		usage_error("--mount %s: %s", arg, why(err));
		return CLI_EXIT_USAGE;
	}
	return 0;
}

void vfs_mounts_free(struct vfs_mounts *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->args[i]);
	free(m->args);
	free(m->paths);
	free(m->sources);
	*m = (struct vfs_mounts){ 0 };
}

int vfs_served_open(struct vfs_served *v, const struct vfs_mounts *m,
		    const char *const *sources, const struct fbr_pt_opts *opts)
{
	int err;

	*v = (struct vfs_served){ 0 };
	v->backends = calloc(m->n, sizeof(*v->backends));
	if (!v->backends || fbr_vfs_new(&v->vfs)) {
		errmsg("out of memory");
		return -1;
	}
	for (; v->n < m->n; v->n++) {
		struct fbr_pt_opts o = *opts;

		o.source = sources ? sources[v->n] : m->sources[v->n];
		err = fbr_passthrough_new(&o, &v->backends[v->n]);
		if (!err)
			err = fbr_vfs_add(&v->vfs, m->paths[v->n],
					  &v->backends[v->n]);
		if (err) {
			errmsg("--mount %s=%s: %s", m->paths[v->n],
			       m->sources[v->n], strerror(-err));
			if (v->backends[v->n].fs)
				v->n++;
			return -1;
		}
	}
	return 0;
}

void vfs_served_close(struct vfs_served *v)
{
	fbr_vfs_free(&v->vfs);
	for (size_t i = 0; i < v->n; i++)
		fbr_passthrough_free(&v->backends[i]);
	free(v->backends);
	*v = (struct vfs_served){ 0 };
}

void vfs_served_stats(const struct vfs_served *v, struct fbr_pt_stats *st)
{
	*st = (struct fbr_pt_stats){ 0 };
	for (size_t i = 0; i < v->n; i++) {
		struct fbr_pt_stats one;

		fbr_passthrough_stats(&v->backends[i], &one);
		st->inodes += one.inodes;
		st->handles += one.handles;
	}
}
