/*
 * The tables of the calls that remove or move a name: unlink, rmdir and
 * rename.  The removal matrix runs each as everyone on victims of three
 * owners in parents of many modes and owners, plain and sticky: removing
 * needs write and search permission on the parent and, in a sticky one,
 * owning the victim or the parent (or root).  Rename adds replacing a
 * victim in a sticky directory, moving a directory to another parent
 * (write permission on it, for its ".."), and its errors (EISDIR,
 * ENOTDIR, ENOTEMPTY, EINVAL, EXDEV).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

#include "tests/posix/posix.h"
#include "tests/posix/cases.h"

static const struct {
	unsigned mode;
	char owner;
} rm_parents[] = {
	{ 0777, 'o' }, { 0755, 'o' }, { 0775, 'o' }, { 0757, 'o' },
	{ 0555, 'o' }, { 0733, 'o' }, { 0300, 'o' }, { 0600, 'o' },
	{ 01777, 'o' }, { 01777, 'r' }, { 01777, 'm' }, { 01770, 'o' },
	{ 01773, 'm' },
};
static const char victims[] = { 'o', 'm', 'n' };

/* May w remove a victim owned per vo from a parent pm owned per po? */
static int remove_want(enum who w, unsigned pm, char po, char vo)
{
	if (w == ROOT)
		return 0;
	if ((perm_on(w, pm, po) & 3) != 3)
		return EACCES;
	if ((pm & S_ISVTX) && !owns(w, po) && !owns(w, vo))
		return EPERM;
	return 0;
}

static const char *type_of(char kind)
{
	return kind == 'd' ? "dir" : "reg";
}

static void remove_case(const char *fam, enum op op, char kind, size_t p,
			char vo, enum who w)
{
	unsigned pm = rm_parents[p].mode;
	char po = rm_parents[p].owner;
	const char *t = type_of(kind);
	struct pcase c = {
		.name = fmt("%s/%s/%s-of-%c-in-%04o-of-%c", fam, who_name(w),
			    t, vo, pm, po),
		.setup = fmt("d p %04o %c; %c p/v 0755 %c", pm, po, kind, vo),
		.op = op, .a1 = "p/v", .a2 = "p/w", .who = w,
		.want = remove_want(w, pm, po, vo),
	};

	if (c.want)
		c.checks = fmt("p/v type=%s;p/w type=absent;p mtime=old", t);
	else
		c.checks = fmt("p/v type=absent;p/w type=%s;p mtime=now ctime=changed",
			       op == OP_RENAME ? t : "absent");
	run_case(&c);
}

static void remove_matrix(const char *fam, enum op op, char kind)
{
	for (size_t p = 0; p < sizeof rm_parents / sizeof rm_parents[0]; p++)
		for (size_t v = 0; v < sizeof victims; v++)
			for (enum who w = 0; w < NWHO; w++)
				remove_case(fam, op, kind, p, victims[v], w);
}

static const struct row unlink_rows[] = {
	{ "dir", "d d 0777 o; d d/v 0777 o", "d/v", NULL, NOARG, NOARG,
	  ALL(EISDIR), NULL, "d/v type=dir" },
	{ "dot", "d d 0777 o", "d/.", NULL, NOARG, NOARG, ALL(EISDIR), NULL, NULL },
	{ "symlink-itself", "d d 0777 o; f t 0644 o; s d/v ../t", "d/v", NULL,
	  NOARG, NOARG, ALL(0), "d/v type=absent;t type=reg", NULL },
	{ "hardlink", "d d 0777 o; f t 0644 o; h d/v t", "d/v", NULL, NOARG,
	  NOARG, ALL(0), "d/v type=absent;t nlink=1 ctime=changed", "t nlink=2" },
	{ "fifo", "d d 0777 o; p d/v 0600 r", "d/v", NULL, NOARG, NOARG, ALL(0),
	  "d/v type=absent", NULL },
	{ "enoent", "d d 0777 o", "d/none", NULL, NOARG, NOARG, ALL(ENOENT),
	  NULL, NULL },
	{ "file-slash", "d d 0777 o; f d/v 0644 o", "d/v/", NULL, NOARG, NOARG,
	  ALL(ENOTDIR), NULL, "d/v type=reg" },
};

void fam_unlink(void)
{
	struct pcase base = { .op = OP_UNLINK };

	remove_matrix("unlink", OP_UNLINK, 'f');
	ROWS("unlink", unlink_rows, &base);
	path_errors("unlink", base, false, "t", 0);
}

static const struct row rmdir_rows[] = {
	{ "not-empty", "d d 0777 o; d d/v 0777 o; f d/v/f 0644 o", "d/v", NULL,
	  NOARG, NOARG, ALL(ENOTEMPTY), NULL, "d/v type=dir" },
	{ "file", "d d 0777 o; f d/v 0644 o", "d/v", NULL, NOARG, NOARG,
	  ALL(ENOTDIR), NULL, "d/v type=reg" },
	{ "symlink-to-dir", "d d 0777 o; d d/t 0777 o; s d/v t", "d/v", NULL,
	  NOARG, NOARG, ALL(ENOTDIR), NULL, "d/v type=lnk;d/t type=dir" },
	{ "dot", "d d 0777 o; d d/v 0777 o", "d/v/.", NULL, NOARG, NOARG,
	  ALL(EINVAL), NULL, "d/v type=dir" },
	{ "dotdot", "d d 0777 o; d d/v 0777 o", "d/v/..", NULL, NOARG, NOARG,
	  ALL(ENOTEMPTY), NULL, "d/v type=dir" },
	{ "trailing-slash", "d d 0777 o; d d/v 0777 o", "d/v/", NULL, NOARG,
	  NOARG, ALL(0), "d/v type=absent;d nlink=2", NULL },
	{ "nlink", "d d 0777 o; d d/v 0777 o; d d/w 0777 o", "d/v", NULL, NOARG,
	  NOARG, ALL(0), "d nlink=3", NULL },
	{ "enoent", "d d 0777 o", "d/none", NULL, NOARG, NOARG, ALL(ENOENT),
	  NULL, NULL },
};

void fam_rmdir(void)
{
	struct pcase base = { .op = OP_RMDIR, .setup = "d x/n 0755 o" };

	remove_matrix("rmdir", OP_RMDIR, 'd');
	ROWS("rmdir", rmdir_rows, &base);
	path_errors("rmdir", base, false, "n", 0);
}

/* Replacing w, owned per vo, in a sticky parent with a name of the
 * caller's own: w's owner or the parent's owner only. */
static void replace_matrix(void)
{
	static const char self[NWHO] = { 'r', 'o', 'm', 'n' };

	for (size_t v = 0; v < sizeof victims; v++)
		for (enum who w = 0; w < NWHO; w++) {
			struct pcase c = {
				.name = fmt("rename/%s/replace-of-%c-in-sticky",
					    who_name(w), victims[v]),
				.setup = fmt("d p 01777 r; f p/s 0644 %c; f p/w 0644 %c",
					     self[w], victims[v]),
				.op = OP_RENAME, .a1 = "p/s", .a2 = "p/w", .who = w,
				.want = w == ROOT || owns(w, victims[v]) ? 0 : EPERM,
			};

			c.checks = c.want ? fmt("p/s type=reg;p/w uid=%u",
						own_uid(victims[v]))
				: fmt("p/s type=absent;p/w uid=%u", who_uid(w));
			run_case(&c);
		}
}

/* Moving a directory of mode m to another parent needs write on it. */
static void move_dir_matrix(void)
{
	static const unsigned modes[] = { 0755, 0777, 0555, 0700, 0770, 0707, 0500 };

	for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++)
		for (enum who w = 0; w < NWHO; w++) {
			struct pcase c = {
				.name = fmt("rename/%s/move-dir-%04o", who_name(w), modes[m]),
				.setup = fmt("d a 0777 o; d b 0777 o; d a/v %04o o",
					     modes[m]),
				.op = OP_RENAME, .a1 = "a/v", .a2 = "b/v", .who = w,
				.want = perm_bits(w, modes[m]) & 2 ? 0 : EACCES,
			};

			c.checks = c.want ? "a/v type=dir;b/v type=absent"
				: "a/v type=absent;b/v type=dir;a nlink=2;b nlink=3";
			run_case(&c);
		}
}

static const struct row rename_rows[] = {
	{ "file-over-dir", "d d 0777 o; f d/s 0644 o; d d/t 0777 o", "d/s", "d/t",
	  NOARG, NOARG, ALL(EISDIR), NULL, "d/s type=reg d/t type=dir" },
	{ "dir-over-file", "d d 0777 o; d d/s 0777 o; f d/t 0644 o", "d/s", "d/t",
	  NOARG, NOARG, ALL(ENOTDIR), NULL, "d/s type=dir d/t type=reg" },
	{ "dir-over-full-dir", "d d 0777 o; d d/s 0777 o; d d/t 0777 o; f d/t/f 0644 o",
	  "d/s", "d/t", NOARG, NOARG, ALL(ENOTEMPTY), NULL, "d/s type=dir" },
	{ "dir-over-empty-dir", "d d 0777 o; d d/s 0777 o; d d/t 0777 o", "d/s", "d/t",
	  NOARG, NOARG, ALL(0), "d/s type=absent;d/t type=dir;d nlink=3", NULL },
	{ "file-over-file", "d d 0777 o; f d/s 0644 o 7; f d/t 0644 o", "d/s", "d/t",
	  NOARG, NOARG, ALL(0), "d/s type=absent;d/t size=7", NULL },
	{ "into-itself", "d d 0777 o; d d/s 0777 o; d d/s/c 0777 o", "d/s", "d/s/c/s",
	  NOARG, NOARG, ALL(EINVAL), NULL, "d/s type=dir" },
	{ "onto-own-child", "d d 0777 o; d d/s 0777 o; d d/s/c 0777 o", "d/s", "d/s/c",
	  NOARG, NOARG, ALL(EINVAL), NULL, "d/s type=dir" },
	{ "dot-source", "d d 0777 o; d d/s 0777 o", "d/s/.", "d/t", NOARG, NOARG,
	  ALL(EBUSY), NULL, "d/s type=dir" },
	{ "to-dot", "d d 0777 o; f d/s 0644 o", "d/s", "d/.", NOARG, NOARG,
	  ALL(EBUSY), NULL, "d/s type=reg" },
	{ "hardlinks-same-inode", "d d 0777 o; f d/s 0644 o; h d/t d/s", "d/s", "d/t",
	  NOARG, NOARG, ALL(0), "d/s type=reg;d/t nlink=2", NULL },
	{ "to-itself", "d d 0777 o; f d/s 0644 o", "d/s", "d/s", NOARG, NOARG,
	  ALL(0), "d/s type=reg nlink=1", NULL },
	{ "symlink-itself", "d d 0777 o; f d/f 0644 o; s d/s f", "d/s", "d/t",
	  NOARG, NOARG, ALL(0), "d/t type=lnk;d/f type=reg", NULL },
	{ "enoent-source", "d d 0777 o", "d/none", "d/t", NOARG, NOARG,
	  ALL(ENOENT), NULL, NULL },
	{ "enoent-target-dir", "d d 0777 o; f d/s 0644 o", "d/s", "d/none/t",
	  NOARG, NOARG, ALL(ENOENT), NULL, "d/s type=reg" },
	{ "file-slash-target", "d d 0777 o; f d/s 0644 o", "d/s", "d/t/",
	  NOARG, NOARG, ALL(ENOTDIR), NULL, "d/s type=reg" },
	{ "dir-slash-target", "d d 0777 o; d d/s 0777 o", "d/s", "d/t/",
	  NOARG, NOARG, ALL(0), "d/t type=dir", NULL },
	{ "dir-to-other-parent-nlink", "d a 0777 o; d b 0777 o; d a/s 0777 o",
	  "a/s", "b/s", NOARG, NOARG, ALL(0), "a nlink=2;b nlink=3;b/s nlink=2",
	  NULL },
};

void fam_rename(void)
{
	struct pcase base = { .op = OP_RENAME, .a1 = "s", .setup = "f s 0666 r" };
	struct pcase second = { .op = OP_RENAME, .a2 = "n" };
	struct row xdev[] = {
		{ "exdev-file", "d d 0777 o; f d/s 0666 o", "d/s", "../xdev/t",
		  NOARG, NOARG, ALL(EXDEV), NULL, "d/s type=reg" },
		{ "exdev-dir", "d d 0777 o; d d/s 0777 o", "d/s", "../xdev/t",
		  NOARG, NOARG, ALL(EXDEV), NULL, "d/s type=dir" },
	};

	remove_matrix("rename", OP_RENAME, 'f');
	remove_matrix("rename", OP_RENAME, 'd');
	replace_matrix();
	move_dir_matrix();
	ROWS("rename", rename_rows, &base);
	if (xdev_dir)
		ROWS("rename", xdev, &base);
	path_errors("rename", base, true, "t", 0);
	path_errors("rename-source", second, false, "t", 0);
}
