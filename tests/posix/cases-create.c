/*
 * The tables of the calls that create a name: mkdir, mkfifo, mknod,
 * symlink, link and open (with O_CREAT, and open's access checks).  The
 * creation matrix runs each call as everyone in parents of many modes,
 * plain, setgid and sticky: it succeeds with write and search permission
 * on the parent, and the new node belongs to the caller, with the group
 * of a setgid parent (and its setgid bit on a directory) and without a
 * setgid bit the caller may not keep.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "tests/posix/posix.h"
#include "tests/posix/cases.h"

static const unsigned parents[] = {
	0777, 0755, 0775, 0757, 0770, 0707, 0733, 0700, 0555, 0300, 0600,
	02777, 02775, 02770, 01777, 01733,
};

/* What a created node looks like: its type and its mode before umask. */
struct made {
	const char *tag, *type;
	unsigned mode;
};

static unsigned new_mode(const struct made *m, enum op op, unsigned parent,
			 enum who w, gid_t g)
{
	unsigned mode = m->mode & ~022u;

	if (op == OP_SYMLINK)
		return 0777;
	if (op == OP_MKDIR)
		return (mode & 01777) | (parent & S_ISGID);
	if ((mode & S_ISGID) && w != ROOT && !in_group(w, g))
		mode &= ~S_ISGID;
	return mode;
}

static void create_matrix(const char *fam, struct pcase base,
			  const struct made *m)
{
	for (size_t i = 0; i < sizeof parents / sizeof parents[0]; i++)
		for (enum who w = 0; w < NWHO; w++) {
			unsigned p = parents[i];
			gid_t g = p & S_ISGID ? GID_FILES : who_gid(w);
			struct pcase c = base;

			c.name = fmt("%s/%s/%sin-%04o", fam, who_name(w), m->tag, p);
			c.setup = fmt("d d %04o o", p);
			*(base.op == OP_SYMLINK ? &c.a2 : &c.a1) = "d/n";
			if (base.op == OP_MKDIR || base.op == OP_MKFIFO)
				c.n1 = m->mode;
			else if (base.op == OP_MKNOD)
				c.n1 = (base.n1 & S_IFMT) | m->mode;
			else if (base.op == OP_OPEN)
				c.n2 = m->mode;
			c.who = w;
			c.want = (perm_bits(w, p) & 3) == 3 ? 0 : EACCES;
			if (c.want)
				c.checks = "d/n type=absent;d mtime=old";
			else
				c.checks = fmt("d/n type=%s uid=%u gid=%u mode=%04o;"
					       "d mtime=now ctime=changed", m->type,
					       who_uid(w), g, new_mode(m, base.op, p, w, g));
			run_case(&c);
		}
}

/* Errors common to the calls creating d/n, as everyone. */
static const struct row exist_rows[] = {
	{ "eexist-file", "d d 0777 o; f d/n 0644 o", NULL, NULL, NOARG, NOARG,
	  ALL(EEXIST), NULL, "d/n type=reg" },
	{ "eexist-dir", "d d 0777 o; d d/n 0755 o", NULL, NULL, NOARG, NOARG,
	  ALL(EEXIST), NULL, "d/n type=dir" },
	{ "eexist-dangling", "d d 0777 o; s d/n none", NULL, NULL, NOARG, NOARG,
	  ALL(EEXIST), NULL, "d/n type=lnk;d/none type=absent" },
	{ "eexist-loop", "d d 0777 o; s d/n n", NULL, NULL, NOARG, NOARG,
	  ALL(EEXIST), NULL, "d/n type=lnk" },
	{ "eexist-fifo", "d d 0777 o; p d/n 0644 o", NULL, NULL, NOARG, NOARG,
	  ALL(EEXIST), NULL, "d/n type=fifo" },
	{ "eexist-readonly-dir", "d d 0555 o; f d/n 0644 o", NULL, NULL, NOARG,
	  NOARG, ALL(EEXIST), NULL, "d/n type=reg" },
};

/* Run exist_rows with the path in a1 (or a2) set to d/n. */
static void exist_errors(const char *fam, const struct pcase *base)
{
	for (size_t i = 0; i < sizeof exist_rows / sizeof exist_rows[0]; i++) {
		struct row r = exist_rows[i];

		*(base->op == OP_SYMLINK ? &r.a2 : &r.a1) = "d/n";
		if (base->op == OP_SYMLINK)
			r.a1 = base->a1;
		every(fam, &r, base);
	}
}

static void create_family(const char *fam, struct pcase base,
			  const struct made *m, size_t n, const char *root_x)
{
	for (size_t i = 0; i < n; i++)
		create_matrix(fam, base, &m[i]);
	exist_errors(fam, &base);
	path_errors(fam, base, base.op == OP_SYMLINK, root_x, 0);
}

/* open with O_CREAT, from cases-open.c. */
void open_create(const struct pcase *base)
{
	static const struct made m[] = {
		{ "creat-", "reg", 0666 }, { "creat-6777-", "reg", 06777 },
	};
	struct pcase c = *base;

	create_matrix("open", c, &m[0]);
	create_matrix("open", c, &m[1]);
	exist_errors("open-creat", base);
}

void fam_mkdir(void)
{
	static const struct made m[] = {
		{ "", "dir", 0777 }, { "mode-7777-", "dir", 07777 },
		{ "mode-0500-", "dir", 0500 },
	};
	static const struct row r[] = {
		{ "dot", "d d 0777 o", "d/.", NULL, 0755, NOARG, ALL(EEXIST), NULL, NULL },
		{ "trailing-slash", "d d 0777 o", "d/n/", NULL, 0755, NOARG, ALL(0),
		  "d/n type=dir", NULL },
		{ "nlink", "d d 0777 o", "d/n", NULL, 0755, NOARG, ALL(0),
		  "d nlink=3 d/n nlink=2", NULL },
	};
	struct pcase base = { .op = OP_MKDIR, .n1 = 0777 };

	create_family("mkdir", base, m, 3, "n");
	ROWS("mkdir", r, &base);
}

void fam_mkfifo(void)
{
	static const struct made m[] = {
		{ "", "fifo", 0666 }, { "mode-7777-", "fifo", 07777 },
	};
	static const struct row r[] = {
		{ "trailing-slash", "d d 0777 o", "d/n/", NULL, 0644, NOARG,
		  ALL(ENOENT), NULL, "d/n type=absent" },
	};
	struct pcase base = { .op = OP_MKFIFO, .n1 = 0666 };

	create_family("mkfifo", base, m, 2, "n");
	ROWS("mkfifo", r, &base);
}

void fam_mknod(void)
{
	static const struct made m[] = {
		{ "reg-", "reg", 0666 }, { "fifo-", "fifo", 0666 },
		{ "reg-6777-", "reg", 06777 },
	};
	static const struct row r[] = {
		{ "chr", "d d 0777 o", "d/n", NULL, S_IFCHR | 0644, 0x103,
		  ROOT_ONLY(EPERM), "d/n type=chr rdev=1,3 mode=0644", "d/n type=absent" },
		{ "blk", "d d 0777 o", "d/n", NULL, S_IFBLK | 0644, 0x700,
		  ROOT_ONLY(EPERM), "d/n type=blk rdev=7,0", "d/n type=absent" },
		{ "whiteout", "d d 0777 o", "d/n", NULL, S_IFCHR | 0644, 0,
		  ALL(0), "d/n type=chr rdev=0,0", NULL },
		{ "sock", "d d 0777 o", "d/n", NULL, S_IFSOCK | 0644, 0,
		  ALL(0), "d/n type=sock", NULL },
		{ "type-0", "d d 0777 o", "d/n", NULL, 0644, 0,
		  ALL(0), "d/n type=reg mode=0644", NULL },
		{ "dir", "d d 0777 o", "d/n", NULL, S_IFDIR | 0755, 0,
		  ALL(EPERM), NULL, "d/n type=absent" },
		{ "bad-type", "d d 0777 o", "d/n", NULL, S_IFMT | 0644, 0,
		  ALL(EINVAL), NULL, "d/n type=absent" },
		{ "chr-in-0555", "d d 0555 o", "d/n", NULL, S_IFCHR | 0644, 0x103,
		  ROOT_ONLY(EACCES), "d/n type=chr", "d/n type=absent" },
	};
	struct pcase mk[3] = {
		{ .op = OP_MKNOD, .n1 = S_IFREG | 0666 },
		{ .op = OP_MKNOD, .n1 = S_IFIFO | 0666 },
		{ .op = OP_MKNOD, .n1 = S_IFREG | 06777 },
	};

	for (int i = 0; i < 3; i++)
		create_matrix("mknod", mk[i], &m[i]);
	exist_errors("mknod", &mk[0]);
	path_errors("mknod", mk[0], false, "n", 0);
	ROWS("mknod", r, &mk[0]);
}

void fam_symlink(void)
{
	static const struct made m[] = { { "", "lnk", 0777 } };
	static const struct row r[] = {
		{ "target-long", "d d 0777 o", NULL, "d/n", NOARG, NOARG,
		  ALL(ENAMETOOLONG), NULL, "d/n type=absent" },
		{ "target-empty", "d d 0777 o", "", "d/n", NOARG, NOARG,
		  ALL(ENOENT), NULL, "d/n type=absent" },
		{ "target-kept", "d d 0777 o", "../a/b/./c", "d/n", NOARG, NOARG,
		  ALL(0), "d/n type=lnk size=10", NULL },
		{ "trailing-slash", "d d 0777 o", "t", "d/n/", NOARG, NOARG,
		  ALL(ENOENT), NULL, "d/n type=absent" },
	};
	struct pcase base = { .op = OP_SYMLINK, .a1 = "target" };
	struct row longt = r[0];

	create_family("symlink", base, m, 1, "n");
	longt.a1 = long_path;
	every("symlink", &longt, &base);
	for (int i = 1; i < 4; i++)
		every("symlink", &r[i], &base);
}

static const unsigned link_modes[] = {
	0644, 0600, 0666, 0606, 0660, 0646, 04777, 02777, 02767, 0777,
};

/* link t d/n, t of each mode: protected_hardlinks lets the owner link,
 * and others only a plain regular file they may read and write. */
static void link_matrix(void)
{
	for (size_t i = 0; i < sizeof link_modes / sizeof link_modes[0]; i++)
		for (enum who w = 0; w < NWHO; w++) {
			unsigned mode = link_modes[i];
			bool safe = (perm_bits(w, mode) & 6) == 6 && !(mode & S_ISUID) &&
				    (mode & 02010) != 02010;
			struct pcase c = {
				.name = fmt("link/%s/source-%04o", who_name(w), mode),
				.setup = fmt("d d 0777 o; f t %04o o", mode),
				.op = OP_LINK, .a1 = "t", .a2 = "d/n", .who = w,
			};

			c.want = !protected_hardlinks || w == ROOT || owns(w, 'o') ||
				 safe ? 0 : EPERM;
			c.checks = c.want ? "t nlink=1;d/n type=absent"
				: "t nlink=2 ctime=changed;d/n type=reg uid=65501";
			run_case(&c);
		}
}

static void link_parents(void)
{
	for (size_t i = 0; i < sizeof parents / sizeof parents[0]; i++)
		for (enum who w = 0; w < NWHO; w++) {
			unsigned p = parents[i];
			struct pcase c = {
				.name = fmt("link/%s/in-%04o", who_name(w), p),
				.setup = fmt("d d %04o o; f t 0666 o", p),
				.op = OP_LINK, .a1 = "t", .a2 = "d/n", .who = w,
				.want = (perm_bits(w, p) & 3) == 3 ? 0 : EACCES,
			};

			c.checks = c.want ? "d/n type=absent;t nlink=1"
				: "d/n type=reg;t nlink=2;d mtime=now";
			run_case(&c);
		}
}

void fam_link(void)
{
	static const struct row r[] = {
		{ "dir", "d d 0777 o; d t 0777 o", "t", "d/n", NOARG, NOARG,
		  ALL(EPERM), NULL, "d/n type=absent" },
		{ "symlink-itself", "d d 0777 o; f f 0666 o; s t f o", "t", "d/n",
		  NOARG, NOARG, ROOT_OWNER(EPERM), "d/n type=lnk;f nlink=1",
		  "d/n type=absent" },
		{ "enoent-source", "d d 0777 o", "none", "d/n", NOARG, NOARG,
		  ALL(ENOENT), NULL, "d/n type=absent" },
		{ "fifo", "d d 0777 o; p t 0666 o", "t", "d/n", NOARG, NOARG,
		  ROOT_OWNER(EPERM), "d/n type=fifo;t nlink=2", "d/n type=absent" },
		{ "source-slash", "d d 0777 o; f t 0666 o", "t/", "d/n", NOARG, NOARG,
		  ALL(ENOTDIR), NULL, NULL },
	};
	struct pcase base = { .op = OP_LINK, .a1 = "t", .a2 = "d/n",
			      .setup = NULL };
	struct pcase first = { .op = OP_LINK, .a2 = "d/n" };
	struct row xdev = { "exdev", "d d 0777 o; f t 0666 o", "t", "../xdev/t",
			    NOARG, NOARG, ALL(EXDEV), NULL, "t nlink=1" };

	link_matrix();
	link_parents();
	for (size_t i = 0; i < sizeof exist_rows / sizeof exist_rows[0]; i++) {
		struct row e = exist_rows[i];

		e.setup = fmt("%s; f t 0666 o", e.setup);
		e.a1 = "t";
		e.a2 = "d/n";
		every("link", &e, &base);
	}
	ROWS("link", r, &base);
	if (xdev_dir)
		every("link", &xdev, &base);
	base.setup = "f t 0666 o";
	path_errors("link", base, true, "n", 0);
	first.a2 = "n";
	path_errors("link-source", first, false, "t", 0);
}
