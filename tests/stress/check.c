/*
 * The checks of fbr-stress against the model: a file's type, size, link
 * count, inode number and bytes (after each read, and for every name at
 * the end), and the final walk of a process's part of the tree: every
 * directory and file name of its table present or absent as the model
 * says, every listing holding exactly the model's names (also a call of
 * its own), every file's extended attributes.  And the fault the checker
 * must catch (-F).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/stress/stress.h"

int check_file(struct worker *w, enum op op, const char *p, int fd, int i)
{
	static unsigned char buf[MAXSIZE + 1];
	struct inode *n = &w->ino[i];
	struct stat st;
	ssize_t got;

	if (fstat(fd, &st))
		return fail(w, op, "fstat '%s': %s", p, strerror(errno));
	if (!S_ISREG(st.st_mode) || st.st_ino != n->st_ino ||
	    st.st_nlink != (nlink_t)n->nlink || st.st_size != (off_t)n->size)
		return fail(w, op, "'%s': mode %o inode %ju links %ju size %jd, "
			    "expected a file, inode %ju links %d size %zu",
			    p, st.st_mode, (uintmax_t)st.st_ino,
			    (uintmax_t)st.st_nlink, (intmax_t)st.st_size,
			    (uintmax_t)n->st_ino, n->nlink, n->size);
	got = pread(fd, buf, sizeof buf, 0);
	if (got < 0)
		return fail(w, op, "pread '%s': %s", p, strerror(errno));
	if ((size_t)got != n->size)
		return fail(w, op, "'%s': read %zd bytes of %zu", p, got, n->size);
	for (size_t at = 0; at < n->size; at++)
		if (buf[at] != n->data[at])
			return fail(w, op, "'%s': byte %zu is %#x, expected %#x",
				    p, at, buf[at], n->data[at]);
	return 0;
}

static int check_slot(struct worker *w, int s)
{
	char p[PATH_LEN];
	int fd, ret;

	slot_path(w, s, p);
	if (w->slot[s] < 0) {
		if (access(p, F_OK) == 0 || errno != ENOENT)
			return fail(w, OP_CHECK, "'%s': there, expected ENOENT", p);
		return 0;
	}
	fd = open(p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return fail(w, OP_CHECK, "open '%s': %s", p, strerror(errno));
	ret = check_file(w, OP_CHECK, p, fd, w->slot[s]);
	close(fd);
	return ret ? ret : check_xattrs(w, OP_CHECK, p, w->slot[s]);
}

/* name is PREFIX followed by a number below limit, written plainly. */
static int name_number(const char *name, const char *prefix, int limit)
{
	char again[PATH_LEN];
	int n;

	if (strncmp(name, prefix, strlen(prefix)) ||
	    sscanf(name + strlen(prefix), "%d", &n) != 1 || n < 0 || n >= limit)
		return -1;
	snprintf(again, sizeof again, "%s%d", prefix, n);
	return strcmp(again, name) ? -1 : n;
}

/* Whether name in directory d (listed, of type t) is in the model. */
static bool known(const struct worker *w, int d, const char *name,
		  unsigned char t)
{
	char prefix[16];
	int k;

	if (d == DIR_SHARED)
		snprintf(prefix, sizeof prefix, "p%d-f", w->id);
	else
		snprintf(prefix, sizeof prefix, "f");
	k = name_number(name, prefix, NNAMES);
	if (k >= 0)
		return w->slot[d * NNAMES + k] >= 0 &&
			(t == DT_REG || t == DT_UNKNOWN);
	k = name_number(name, "d", NSUB);
	return d != DIR_SHARED && dir_depth(d) < 2 && k >= 0 &&
		w->dir[dir_child(d, k)] && (t == DT_DIR || t == DT_UNKNOWN);
}

static int subdirs(const struct worker *w, int d)
{
	int n = 0;

	for (int i = 0; dir_depth(d) < 2 && i < NSUB; i++)
		n += w->dir[dir_child(d, i)];
	return n;
}

static int model_entries(const struct worker *w, int d)
{
	int n = 0;

	for (int k = 0; k < NNAMES; k++)
		n += w->slot[d * NNAMES + k] >= 0;
	return d == DIR_SHARED ? n : n + subdirs(w, d);
}

/*
 * The listing of d holds the model's names and, but in shared/, no other.
 * Other processes add and remove their names in shared/ meanwhile: ours,
 * unchanged all along, must each be listed once.
 */
static int check_listing(struct worker *w, enum op op, int d)
{
	char p[PATH_LEN], prefix[16];
	struct dirent *e;
	int n = 0;
	DIR *dir = opendir(dir_path(w, d, p));

	if (!dir)
		return fail(w, op, "opendir '%s': %s", p, strerror(errno));
	snprintf(prefix, sizeof prefix, "p%d-", w->id);
	while ((e = readdir(dir))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (d == DIR_SHARED && strncmp(e->d_name, prefix, strlen(prefix)))
			continue;
		if (!known(w, d, e->d_name, e->d_type)) {
			closedir(dir);
			return fail(w, op, "'%s' lists '%s' (type %d), "
				    "not in the model", p, e->d_name, e->d_type);
		}
		n++;
	}
	closedir(dir);
	if (n != model_entries(w, d))
		return fail(w, op, "'%s' lists %d of the %d names expected",
			    p, n, model_entries(w, d));
	return 0;
}

/* A directory: there or not, its link count (2 and one per subdirectory,
 * as Linux file systems keep it), its listing. */
static int check_dir(struct worker *w, int d)
{
	char p[PATH_LEN];
	struct stat st;

	dir_path(w, d, p);
	if (!w->dir[d]) {
		if (lstat(p, &st) == 0 || errno != ENOENT)
			return fail(w, OP_CHECK, "'%s': there, expected ENOENT", p);
		return 0;
	}
	if (lstat(p, &st))
		return fail(w, OP_CHECK, "lstat '%s': %s", p, strerror(errno));
	if (!S_ISDIR(st.st_mode) || st.st_nlink != (nlink_t)(2 + subdirs(w, d)))
		return fail(w, OP_CHECK, "'%s': mode %o links %ju, expected a "
			    "directory with %d", p, st.st_mode,
			    (uintmax_t)st.st_nlink, 2 + subdirs(w, d));
	return check_listing(w, OP_CHECK, d);
}

int check_tree(struct worker *w)
{
	for (int d = 0; d < NDIRS; d++)
		if (check_dir(w, d))
			return -1;
	if (check_listing(w, OP_CHECK, DIR_SHARED))
		return -1;
	for (int s = 0; s < NSLOTS; s++)
		if (check_slot(w, s))
			return -1;
	return 0;
}

/* readdir of one of the process's directories, or of shared/. */
int op_readdir(struct worker *w)
{
	int d = rnd(w, 4) ? pick_dir(w) : DIR_SHARED;
	char p[PATH_LEN];
	DIR *dir;

	if (d == DIR_SHARED || w->dir[d])
		return check_listing(w, OP_READDIR, d);
	dir = opendir(dir_path(w, d, p));
	if (dir)
		closedir(dir);
	return expect(w, OP_READDIR, p, NULL, dir ? 0 : errno, ENOENT);
}

/*
 * -F: change the tree behind the model's back, as a server bug would:
 * flip the first byte of a file, or, with no byte to flip, add a name.
 */
void inject_fault(struct worker *w)
{
	char p[PATH_LEN];
	int fd;

	for (int s = 0; s < NSLOTS; s++) {
		int i = w->slot[s];
		unsigned char flipped;

		if (i < 0 || !w->ino[i].size)
			continue;
		flipped = w->ino[i].data[0] ^ 0xff;
		fd = open(slot_path(w, s, p), O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			if (pwrite(fd, &flipped, 1, 0) != 1)
				perror("fbr-stress: -F");
			close(fd);
		}
		return;
	}
	snprintf(p, sizeof p, "p%d/fault", w->id);
	fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
}
