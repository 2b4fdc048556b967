/*
 * The setup scripts of fbr-posix, run by root in a case's fresh directory:
 * items separated by ';', each "KIND PATH ..." with KIND d (directory),
 * f (regular file, optional size), p (fifo), s (symlink to a target),
 * h (hard link to a path); MODE in octal and OWNER one letter (r root,
 * o owner:files, O owner:owner, m member:files, n nonmember:nonmember).
 * Every fixture's atime and mtime are then set to old_time.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/posix/posix.h"

long long old_time = 1000000000;

static int owner_ids(char o, uid_t *u, gid_t *g)
{
	switch (o) {
	case 'r': *u = 0; *g = 0; return 0;
	case 'o': *u = UID_OWNER; *g = GID_FILES; return 0;
	case 'O': *u = UID_OWNER; *g = GID_OWNER; return 0;
	case 'm': *u = UID_MEMBER; *g = GID_FILES; return 0;
	case 'n': *u = UID_OTHER; *g = GID_OTHER; return 0;
	default: return -1;
	}
}

/* Owner first, mode after: chown would clear the set-id bits. */
static int own(const char *path, const char *mode, const char *who, bool link)
{
	uid_t u;
	gid_t g;

	if (!who)
		who = "r";
	if (owner_ids(who[0], &u, &g) != 0 ||
	    fchownat(AT_FDCWD, path, u, g, link ? AT_SYMLINK_NOFOLLOW : 0) != 0)
		return -1;
	return link ? 0 : chmod(path, strtoul(mode, NULL, 8));
}

static int make_file(const char *path, const char *size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);

	if (fd < 0)
		return -1;
	if (size && ftruncate(fd, atoll(size)) != 0) {
		close(fd);
		return -1;
	}
	return close(fd);
}

static int item(char *words[5], int n)
{
	const char *k = words[0], *p = words[1];

	if (n < 3)
		return -1;
	switch (k[0]) {
	case 'd': return mkdir(p, 0700) || own(p, words[2], words[3], false);
	case 'f': return make_file(p, n > 4 ? words[4] : NULL) ||
			 own(p, words[2], words[3], false);
	case 'p': return mkfifo(p, 0600) || own(p, words[2], words[3], false);
	case 's': return symlink(words[2], p) || own(p, NULL, words[3], true);
	case 'h': return link(words[2], p);
	default: return -1;
	}
}

static int set_times(char *paths, int n)
{
	struct timespec ts[2] = { { old_time, 0 }, { old_time, 0 } };

	for (int i = 0; i < n; i++, paths += strlen(paths) + 1)
		if (utimensat(AT_FDCWD, paths, ts, AT_SYMLINK_NOFOLLOW) != 0)
			return -1;
	return utimensat(AT_FDCWD, ".", ts, 0);
}

int do_setup(const char *script)
{
	char buf[2048], names[2048], *save, *it;
	size_t used = 0;
	int n = 0;

	snprintf(buf, sizeof buf, "%s", script ? script : "");
	for (it = strtok_r(buf, ";", &save); it; it = strtok_r(NULL, ";", &save)) {
		char *words[5] = { 0 }, *s2;
		int nw = 0;

		for (char *w = strtok_r(it, " ", &s2); w && nw < 5;
		     w = strtok_r(NULL, " ", &s2))
			words[nw++] = w;
		if (nw == 0)
			continue;
		if (item(words, nw) != 0)
			return -1;
		used += snprintf(names + used, sizeof names - used, "%s",
				 words[1]) + 1;
		n++;
	}
	return set_times(names, n);
}
