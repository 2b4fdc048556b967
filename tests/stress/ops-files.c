/*
 * The calls of fbr-stress on file names: create, write, read, truncate,
 * unlink, link and rename, each on a name picked from the process's table,
 * its expected result (success or the errno) worked out from the model
 * before the call is made.  Links and renames go between the process's own
 * directories and its names in shared/, and renames replace files.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/stress/stress.h"

static int err(int ret)
{
	return ret < 0 ? errno : 0;
}

/* The errno opening slot s gives, 0 if it is a file. */
static int want_file(const struct worker *w, int s)
{
	return slot_reachable(w, s) && w->slot[s] >= 0 ? 0 : ENOENT;
}

/* Where a link or a rename goes: often the shared directory. */
static int pick_target(struct worker *w)
{
	if (rnd(w, 3) == 0)
		return DIR_SHARED * NNAMES + (int)rnd(w, NNAMES);
	return pick_slot(w);
}

int op_create(struct worker *w)
{
	int s = pick_slot(w), want = 0, fd;
	char p[PATH_LEN];
	struct stat st;

	slot_path(w, s, p);
	if (!slot_reachable(w, s))
		want = ENOENT;
	else if (w->slot[s] >= 0)
		want = EEXIST;
	fd = open(p, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0644);
	if (expect(w, OP_CREATE, p, NULL, err(fd), want)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (fd < 0)
		return 0;
	if (fstat(fd, &st)) {
		close(fd);
		return fail(w, OP_CREATE, "fstat '%s': %s", p, strerror(errno));
	}
	w->slot[s] = inode_new(w, st.st_ino);
	return close_checked(w, OP_CREATE, p, fd);
}

/* A write of up to 8 KiB somewhere below MAXSIZE, often past the end. */
int write_some(struct worker *w, enum op op, const char *p, int fd, int i)
{
	static unsigned char buf[8192];
	size_t off = rnd(w, MAXSIZE), len;
	ssize_t n;

	len = 1 + rnd(w, MAXSIZE - off < sizeof buf ? MAXSIZE - off : sizeof buf);
	fill_random(w, buf, len);
	n = pwrite(fd, buf, len, (off_t)off);
	if (n != (ssize_t)len)
		return fail(w, op, "pwrite '%s' %zu at %zu: %s", p, len, off,
			    n < 0 ? strerror(errno) : "short write");
	model_write(&w->ino[i], off, buf, len);
	return 0;
}

int op_write(struct worker *w)
{
	int s = pick_file(w), want = want_file(w, s), fd;
	char p[PATH_LEN];

	slot_path(w, s, p);
	fd = open(p, O_WRONLY | O_CLOEXEC);
	if (expect(w, OP_WRITE, p, NULL, err(fd), want)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (fd < 0)
		return 0;
	if (write_some(w, OP_WRITE, p, fd, w->slot[s])) {
		close(fd);
		return -1;
	}
	return close_checked(w, OP_WRITE, p, fd);
}

int op_read(struct worker *w)
{
	int s = pick_file(w), want = want_file(w, s), fd;
	char p[PATH_LEN];

	slot_path(w, s, p);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (expect(w, OP_READ, p, NULL, err(fd), want)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (fd < 0)
		return 0;
	if (check_file(w, OP_READ, p, fd, w->slot[s])) {
		close(fd);
		return -1;
	}
	return close_checked(w, OP_READ, p, fd);
}

int op_truncate(struct worker *w)
{
	int s = pick_file(w), want = want_file(w, s);
	size_t size = rnd(w, MAXSIZE + 1);
	char p[PATH_LEN];

	slot_path(w, s, p);
	if (expect(w, OP_TRUNCATE, p, NULL, err(truncate(p, (off_t)size)),
		   want))
		return -1;
	if (!want)
		model_resize(&w->ino[w->slot[s]], size);
	return 0;
}

int op_unlink(struct worker *w)
{
	int s = pick_file(w), want = want_file(w, s);
	char p[PATH_LEN];

	slot_path(w, s, p);
	if (expect(w, OP_UNLINK, p, NULL, err(unlink(p)), want))
		return -1;
	if (!want) {
		w->ino[w->slot[s]].nlink--;
		w->slot[s] = -1;
	}
	return 0;
}

int op_link(struct worker *w)
{
	int s = pick_file(w), t = pick_target(w), want = want_file(w, s);
	char p[PATH_LEN], q[PATH_LEN];

	slot_path(w, s, p);
	slot_path(w, t, q);
	if (!want && !slot_reachable(w, t))
		want = ENOENT;
	else if (!want && w->slot[t] >= 0)
		want = EEXIST;
	if (expect(w, OP_LINK, p, q, err(link(p, q)), want))
		return -1;
	if (!want) {
		w->slot[t] = w->slot[s];
		w->ino[w->slot[s]].nlink++;
	}
	return 0;
}

/* Renames over an existing file replace it; between two names of one
 * file they do nothing. */
int op_rename(struct worker *w)
{
	int s = pick_file(w), t = pick_target(w), want = want_file(w, s);
	char p[PATH_LEN], q[PATH_LEN];

	slot_path(w, s, p);
	slot_path(w, t, q);
	if (!want && !slot_reachable(w, t))
		want = ENOENT;
	if (expect(w, OP_RENAME, p, q, err(rename(p, q)), want))
		return -1;
	if (want || w->slot[s] == w->slot[t])
		return 0;
	if (w->slot[t] >= 0)
		w->ino[w->slot[t]].nlink--;
	w->slot[t] = w->slot[s];
	w->slot[s] = -1;
	return 0;
}
