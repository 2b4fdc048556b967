/*
 * The calls of fbr-stress on directories: mkdir, rmdir (of empty ones and
 * of non-empty ones, ENOTEMPTY), renames of whole subtrees at the same
 * depth (over empty directories, and over non-empty ones, ENOTEMPTY), and
 * calls made on a name of the wrong kind (EISDIR, EEXIST, ENOTDIR), tried
 * only where the model says they must fail.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/stress/stress.h"

static int err(int ret)
{
	return ret < 0 ? errno : 0;
}

/* A directory other than the process's root, mostly one that exists. */
static int pick_subdir(struct worker *w)
{
	int d = pick_dir(w);

	for (int i = 0; i < 4 && d == 0; i++)
		d = pick_dir(w);
	return d ? d : 1 + (int)rnd(w, NDIRS - 1);
}

int op_mkdir(struct worker *w)
{
	int d = pick_subdir(w), want = 0;
	char p[PATH_LEN];

	dir_path(w, d, p);
	if (!dir_reachable(w, d))
		want = ENOENT;
	else if (w->dir[d])
		want = EEXIST;
	if (expect(w, OP_MKDIR, p, NULL, err(mkdir(p, 0755)), want))
		return -1;
	if (!want)
		w->dir[d] = true;
	return 0;
}

int op_rmdir(struct worker *w)
{
	int d = pick_subdir(w), want = 0;
	char p[PATH_LEN];

	dir_path(w, d, p);
	if (!dir_reachable(w, d) || !w->dir[d])
		want = ENOENT;
	else if (!dir_empty(w, d))
		want = ENOTEMPTY;
	if (expect(w, OP_RMDIR, p, NULL, err(rmdir(p)), want))
		return -1;
	if (!want)
		w->dir[d] = false;
	return 0;
}

/* Same depth keeps every name of the subtree inside the table. */
int op_renamedir(struct worker *w)
{
	int s = pick_subdir(w), t, want = 0;
	char p[PATH_LEN], q[PATH_LEN];

	if (dir_depth(s) == 1)
		t = 1 + (int)rnd(w, NSUB);
	else
		t = 1 + NSUB + (int)rnd(w, NSUB * NSUB);
	dir_path(w, s, p);
	dir_path(w, t, q);
	if (!dir_reachable(w, s) || !w->dir[s] || !dir_reachable(w, t))
		want = ENOENT;
	else if (s != t && w->dir[t] && !dir_empty(w, t))
		want = ENOTEMPTY;
	if (expect(w, OP_RENAMEDIR, p, q, err(rename(p, q)), want))
		return -1;
	if (!want && s != t)
		model_move_dir(w, s, t);
	return 0;
}

/* A file name in use, or -1. */
static int find_file(struct worker *w)
{
	int s = pick_file(w);

	return w->slot[s] >= 0 && slot_reachable(w, s) ? s : -1;
}

/* An existing directory, or -1. */
static int find_dir(struct worker *w, int lowest)
{
	int d = pick_dir(w);

	return w->dir[d] && d >= lowest ? d : -1;
}

/*
 * Renames between a file and a directory where neither is inside the
 * other: a directory that is the file's ancestor, or a file inside the
 * directory, fail earlier with ENOTEMPTY or EINVAL.
 */
static int rename_wrong(struct worker *w, bool file_first)
{
	int s = find_file(w), d = find_dir(w, file_first ? 0 : 1);
	char p[PATH_LEN], q[PATH_LEN];

	if (s < 0 || d < 0 || dir_within(d, s / NNAMES))
		return 1;
	slot_path(w, s, p);
	dir_path(w, d, q);
	if (file_first)
		return expect(w, OP_WRONGTYPE, p, q, err(rename(p, q)), EISDIR);
	return expect(w, OP_WRONGTYPE, q, p, err(rename(q, p)), ENOTDIR);
}

int op_wrongtype(struct worker *w)
{
	char p[PATH_LEN];
	int s, d, fd;

	switch (rnd(w, 6)) {
	case 0:
		if ((d = find_dir(w, 0)) < 0)
			return 1;
		dir_path(w, d, p);
		fd = open(p, O_WRONLY | O_CLOEXEC);
		if (fd >= 0)
			close(fd);
		return expect(w, OP_WRONGTYPE, p, NULL, err(fd), EISDIR);
	case 1:
		if ((s = find_file(w)) < 0)
			return 1;
		slot_path(w, s, p);
		return expect(w, OP_WRONGTYPE, p, NULL, err(mkdir(p, 0755)),
			      EEXIST);
	case 2:
		if ((s = find_file(w)) < 0)
			return 1;
		slot_path(w, s, p);
		return expect(w, OP_WRONGTYPE, p, NULL, err(rmdir(p)), ENOTDIR);
	case 3:
		if ((d = find_dir(w, 0)) < 0)
			return 1;
		dir_path(w, d, p);
		return expect(w, OP_WRONGTYPE, p, NULL, err(unlink(p)), EISDIR);
	case 4:
		return rename_wrong(w, true);
	default:
		return rename_wrong(w, false);
	}
}
