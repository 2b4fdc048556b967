/*
 * The checks of fbr-posix, made by root after a case's call: "PATH
 * FIELD=VALUE ..." items separated by ';'.  Fields: type (reg, dir, lnk,
 * fifo, chr, absent), mode (the permission bits in octal), uid, gid,
 * size, nlink, rdev (major,minor), atime and mtime (old: as set up, now:
 * within ten minutes of the clock, else sec.nsec), ctime (same or changed
 * since just before the call; recorded by a first pass with no name).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>

#include "tests/posix/posix.h"

/* The ctimes of the checked paths just before the call, in order. */
static struct timespec before[16];

static const char *type_name(mode_t m)
{
	switch (m & S_IFMT) {
	case S_IFREG: return "reg";
	case S_IFDIR: return "dir";
	case S_IFLNK: return "lnk";
	case S_IFIFO: return "fifo";
	case S_IFCHR: return "chr";
	case S_IFBLK: return "blk";
	case S_IFSOCK: return "sock";
	default: return "?";
	}
}

static const char *when(struct timespec t)
{
	long long now = time(NULL);

	if (t.tv_sec == old_time && t.tv_nsec == 0)
		return "old";
	if (t.tv_sec > now - 600 && t.tv_sec < now + 600)
		return "now";
	return fmt("%lld.%09ld", (long long)t.tv_sec, t.tv_nsec);
}

static const char *ctime_of(int slot, const struct stat *st)
{
	const struct timespec *b = &before[slot];

	return b->tv_sec == st->st_ctim.tv_sec && b->tv_nsec == st->st_ctim.tv_nsec
		? "same" : "changed";
}

static const char *field(const char *f, const struct stat *st, int slot)
{
	if (!st)
		return "absent";
	if (!strcmp(f, "type")) return type_name(st->st_mode);
	if (!strcmp(f, "mode")) return fmt("%04o", st->st_mode & 07777);
	if (!strcmp(f, "uid")) return fmt("%u", st->st_uid);
	if (!strcmp(f, "gid")) return fmt("%u", st->st_gid);
	if (!strcmp(f, "size")) return fmt("%lld", (long long)st->st_size);
	if (!strcmp(f, "nlink")) return fmt("%lu", (unsigned long)st->st_nlink);
	if (!strcmp(f, "rdev"))
		return fmt("%u,%u", major(st->st_rdev), minor(st->st_rdev));
	if (!strcmp(f, "atime")) return when(st->st_atim);
	if (!strcmp(f, "mtime")) return when(st->st_mtim);
	if (!strcmp(f, "ctime")) return ctime_of(slot, st);
	return "unknown-field";
}

/* Stat a path named in the checks; on the first pass, note its ctime. */
static const struct stat *look(const char *path, struct stat *st, int slot,
			       bool first)
{
	bool there = fstatat(AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW) == 0;

	if (first && slot < 16)
		before[slot] = there ? st->st_ctim : (struct timespec){ 0 };
	return there ? st : NULL;
}

/* Tokens: a PATH, then its FIELD=VALUE items, then another PATH... */
int do_checks(const char *name, const char *checks, int *fails)
{
	char buf[1024], *save, *tok, *path = NULL;
	const struct stat *st = NULL;
	struct stat sb;
	int slot = -1;

	snprintf(buf, sizeof buf, "%s", checks ? checks : "");
	for (tok = strtok_r(buf, " ;", &save); tok; tok = strtok_r(NULL, " ;", &save)) {
		char *eq = strchr(tok, '=');

		if (!eq) {
			path = tok;
			st = look(path, &sb, ++slot, !name);
			continue;
		}
		if (!name || !path || slot >= 16)
			continue;
		*eq = '\0';
		print_line(name, fmt("%s %s", path, tok), field(tok, st, slot),
			   eq + 1, fails);
	}
	return 0;
}
