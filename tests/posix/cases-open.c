/*
 * The tables of open: every access mode, with and without O_TRUNC, on
 * files of many modes as everyone (the owner gets the owner's bits only,
 * a member the group's, root all); creating with O_CREAT through the
 * creation matrix of cases-create.c; set-id bits dropped by a write or a
 * truncation; and the errors (EISDIR, ENOTDIR, EEXIST, ELOOP, ENXIO,
 * EINVAL, EACCES, ENOENT, ENAMETOOLONG).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "tests/posix/posix.h"
#include "tests/posix/cases.h"

static const unsigned open_modes[] = {
	0000, 0400, 0200, 0600, 0040, 0020, 0004, 0002, 0044, 0640, 0604,
	0460, 0406, 0066, 0777, 0246,
};

static const struct {
	const char *tag;
	int flags, need;
} accs[] = {
	{ "rdonly", O_RDONLY, 4 }, { "wronly", O_WRONLY, 2 },
	{ "rdwr", O_RDWR, 6 }, { "rdonly-trunc", O_RDONLY | O_TRUNC, 6 },
	{ "wronly-trunc", O_WRONLY | O_TRUNC, 2 },
	{ "rdwr-append", O_RDWR | O_APPEND, 6 },
};

static void access_matrix(void)
{
	for (size_t a = 0; a < sizeof accs / sizeof accs[0]; a++)
		for (size_t m = 0; m < sizeof open_modes / sizeof open_modes[0]; m++)
			for (enum who w = 0; w < NWHO; w++) {
				unsigned mode = open_modes[m];
				bool may = (perm_bits(w, mode) & accs[a].need) == accs[a].need;
				struct pcase c = {
					.name = fmt("open/%s/%s-%04o", who_name(w),
						    accs[a].tag, mode),
					.setup = fmt("f t %04o o 100", mode),
					.op = OP_OPEN, .a1 = "t", .n1 = accs[a].flags,
					.who = w, .want = may ? 0 : EACCES,
				};

				c.checks = fmt("t size=%d",
					       may && (accs[a].flags & O_TRUNC) ? 0 : 100);
				run_case(&c);
			}
}

static const unsigned setid_modes[] = {
	04777, 02777, 06777, 02767, 04666, 0666, 06766,
};

/* A write (OP_OPENW) or an O_TRUNC open by everyone on set-id files. */
static void setid_matrix(const char *tag, const struct pcase *base, int size)
{
	for (size_t m = 0; m < sizeof setid_modes / sizeof setid_modes[0]; m++)
		for (enum who w = 0; w < NWHO; w++) {
			unsigned mode = setid_modes[m], after = mode;
			struct pcase c = *base;

			if (w != ROOT) {
				after &= ~S_ISUID;
				if ((after & 02010) == 02010 ||
				    ((after & S_ISGID) && !in_group(w, GID_FILES)))
					after &= ~S_ISGID;
			}
			c.name = fmt("open/%s/%s-%04o", who_name(w), tag, mode);
			c.setup = fmt("f t %04o o 100", mode);
			c.a1 = "t";
			c.who = w;
			c.want = 0;
			c.checks = fmt("t mode=%04o size=%d mtime=now", after, size);
			run_case(&c);
		}
}

static const struct row open_rows[] = {
	{ "dir-rdonly", "d t 0755 o", "t", NULL, O_RDONLY, NOARG, ALL(0), NULL, NULL },
	{ "dir-0000", "d t 0000 o", "t", NULL, O_RDONLY, NOARG,
	  ROOT_ONLY(EACCES), NULL, NULL },
	{ "dir-wronly", "d t 0777 o", "t", NULL, O_WRONLY, NOARG, ALL(EISDIR), NULL, NULL },
	{ "dir-rdwr", "d t 0777 o", "t", NULL, O_RDWR, NOARG, ALL(EISDIR), NULL, NULL },
	{ "dir-creat", "d t 0777 o", "t", NULL, O_RDONLY | O_CREAT, 0644,
	  ALL(EISDIR), NULL, NULL },
	{ "directory-on-file", "f t 0644 o", "t", NULL, O_RDONLY | O_DIRECTORY,
	  NOARG, ALL(ENOTDIR), NULL, NULL },
	{ "file-slash", "f t 0644 o", "t/", NULL, O_RDONLY, NOARG, ALL(ENOTDIR),
	  NULL, NULL },
	{ "creat-directory", "d d 0777 o", "d/n", NULL, O_RDONLY | O_CREAT | O_DIRECTORY,
	  0644, ALL(EINVAL), NULL, "d/n type=absent" },
	{ "excl-existing", "d d 0777 o; f d/n 0644 o", "d/n", NULL,
	  O_WRONLY | O_CREAT | O_EXCL, 0644, ALL(EEXIST), NULL, NULL },
	{ "excl-dangling", "d d 0777 o; s d/n none", "d/n", NULL,
	  O_WRONLY | O_CREAT | O_EXCL, 0644, ALL(EEXIST), NULL, "d/none type=absent" },
	{ "creat-dangling", "d d 0777 o; s d/n none", "d/n", NULL,
	  O_WRONLY | O_CREAT, 0644, ALL(0), "d/none type=reg d/n type=lnk", NULL },
	{ "creat-existing-in-0555", "d d 0555 o; f d/t 0666 o", "d/t", NULL,
	  O_WRONLY | O_CREAT, 0644, ALL(0), "d/t type=reg", NULL },
	{ "nofollow-symlink", "f t 0644 o; s l t", "l", NULL, O_RDONLY | O_NOFOLLOW,
	  NOARG, ALL(ELOOP), NULL, NULL },
	{ "nofollow-file", "f t 0644 o", "t", NULL, O_RDONLY | O_NOFOLLOW,
	  NOARG, ALL(0), NULL, NULL },
	{ "symlink-loop", "s t t", "t", NULL, O_RDONLY, NOARG, ALL(ELOOP), NULL, NULL },
	{ "dangling", "s t none", "t", NULL, O_RDONLY, NOARG, ALL(ENOENT), NULL, NULL },
	{ "enoent", "d d 0777 o", "d/none", NULL, O_RDONLY, NOARG, ALL(ENOENT),
	  NULL, NULL },
	{ "fifo-nonblock-rdonly", "p t 0666 o", "t", NULL, O_RDONLY | O_NONBLOCK,
	  NOARG, ALL(0), NULL, NULL },
	{ "fifo-nonblock-wronly", "p t 0666 o", "t", NULL, O_WRONLY | O_NONBLOCK,
	  NOARG, ALL(ENXIO), NULL, NULL },
	{ "fifo-0600", "p t 0600 o", "t", NULL, O_RDONLY | O_NONBLOCK, NOARG,
	  ROOT_OWNER(EACCES), NULL, NULL },
	{ "trunc-0444", "f t 0444 o 100", "t", NULL, O_RDONLY | O_TRUNC, NOARG,
	  ROOT_ONLY(EACCES), "t size=0", "t size=100" },
	{ "creat-excl-6777-setgid-dir", "d d 02777 o", "d/n", NULL,
	  O_WRONLY | O_CREAT | O_EXCL, 06777, ALL(0), "d/n gid=65510", NULL },
};

void fam_open(void)
{
	struct pcase base = { .op = OP_OPEN, .n1 = O_RDONLY };
	struct pcase writer = { .op = OP_OPENW, .n2 = O_WRONLY };
	struct pcase trunc = { .op = OP_OPEN, .n1 = O_WRONLY | O_TRUNC };
	struct pcase creat = { .op = OP_OPEN, .n1 = O_WRONLY | O_CREAT | O_EXCL,
			       .n2 = 0666 };

	access_matrix();
	setid_matrix("write", &writer, 100);
	setid_matrix("trunc", &trunc, 0);
	open_create(&creat);
	ROWS("open", open_rows, &base);
	path_errors("open", base, false, "t", 0);
	path_errors("open-creat", creat, false, "n", 0);
}
