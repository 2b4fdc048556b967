/*
 * The tables of the attribute changing calls: chmod (and fchmodat with
 * AT_SYMLINK_NOFOLLOW), chown and lchown, truncate, ftruncate, utimensat
 * and posix_fallocate.  Matrices of modes and requests run as every
 * identity with the Linux rules computed here (owner or CAP_FOWNER for
 * chmod and explicit times, CAP_CHOWN or the owner within its groups for
 * chown, write permission for the rest, set-id bits dropped by chown and
 * by writers without CAP_FSETID), then explicit rows for the errors.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

#include "tests/posix/posix.h"
#include "tests/posix/cases.h"

/* The set-id bits left after a change by w that drops them (chown, a
 * write, a truncate): setuid always goes, setgid when group-executable or
 * when w is outside the file's group; root keeps them unless chown. */
static unsigned drop_setid(unsigned mode, enum who w, gid_t g, bool chown)
{
	if (w == ROOT && !chown)
		return mode;
	mode &= ~S_ISUID;
	if ((mode & S_ISGID) &&
	    ((mode & S_IXGRP) || (w != ROOT && !in_group(w, g))))
		mode &= ~S_ISGID;
	return mode;
}

static const unsigned chmod_pairs[][2] = {
	{ 0644, 0600 }, { 0600, 0777 }, { 0755, 04755 }, { 0755, 02755 },
	{ 0644, 01644 }, { 0777, 0 }, { 04755, 0755 }, { 06755, 07777 },
	{ 0, 0644 }, { 0644, 0644 }, { 0750, 02750 },
};

static void chmod_matrix(char kind, char o)
{
	for (size_t i = 0; i < sizeof chmod_pairs / sizeof chmod_pairs[0]; i++)
		for (enum who w = 0; w < NWHO; w++) {
			unsigned from = chmod_pairs[i][0], to = chmod_pairs[i][1];
			bool may = w == ROOT || owns(w, o);
			struct pcase c = {
				.name = fmt("chmod/%s/%s%c-%04o-%04o", who_name(w),
					    kind == 'f' ? "file" : "dir", o, from, to),
				.setup = fmt("%c t %04o %c", kind, from, o),
				.op = OP_CHMOD, .a1 = "t", .n1 = to, .who = w,
				.want = may ? 0 : EPERM,
			};

			if (may && w != ROOT && !in_group(w, own_gid(o)))
				to &= ~S_ISGID;
			c.checks = fmt("t mode=%04o ctime=%s", may ? to : from,
				       may ? "changed" : "same");
			run_case(&c);
		}
}

static const struct row chmod_rows[] = {
	{ "symlink-follows", "f t 0644 o; s l t o", "l", NULL, 0600, NOARG,
	  ROOT_OWNER(EPERM), "t mode=0600 l type=lnk", "t mode=0644" },
	{ "nofollow-symlink", "f t 0644 o; s l t o", "l", NULL, 0600, AT_SYMLINK_NOFOLLOW,
	  ALL(EOPNOTSUPP), NULL, "t mode=0644" },
	{ "nofollow-file", "f t 0644 o", "t", NULL, 0600, AT_SYMLINK_NOFOLLOW,
	  ROOT_OWNER(EPERM), "t mode=0600", "t mode=0644" },
	{ "fifo", "p t 0644 o", "t", NULL, 0604, NOARG,
	  ROOT_OWNER(EPERM), "t mode=0604", "t mode=0644" },
	{ "sticky-dir", "d t 0755 o", "t", NULL, 01777, NOARG,
	  ROOT_OWNER(EPERM), "t mode=1777", "t mode=0755" },
	{ "eloop-final", "s t t", "t", NULL, 0644, NOARG, ALL(ELOOP), NULL, NULL },
	{ "enoent-final", "d d 0755 o", "d/none", NULL, 0644, NOARG,
	  ALL(ENOENT), NULL, NULL },
	{ "enoent-dangling", "s t none", "t", NULL, 0644, NOARG,
	  ALL(ENOENT), NULL, NULL },
	{ "owner-in-dir-0", "d d 0 o; f d/t 0644 o", "d/t", NULL, 0600, NOARG,
	  ROOT_ONLY(EACCES), "d/t mode=0600", "d/t mode=0644" },
};

void fam_chmod(void)
{
	struct pcase base = { .op = OP_CHMOD, .n1 = 0600 };
	struct pcase nof = { .op = OP_LCHMOD };

	chmod_matrix('f', 'o');
	chmod_matrix('d', 'o');
	chmod_matrix('f', 'O');
	chmod_matrix('f', 'm');
	for (size_t i = 0; i < sizeof chmod_rows / sizeof chmod_rows[0]; i++)
		every("chmod", &chmod_rows[i],
		      chmod_rows[i].n2 == AT_SYMLINK_NOFOLLOW ? &nof : &base);
	path_errors("chmod", base, false, "t", 0);
}

static const unsigned chown_modes[] = { 0644, 04755, 02755, 06755, 02745 };
static const long long chown_reqs[][2] = {
	{ -1, -1 }, { -1, GID_OWNER }, { -1, GID_FILES }, { -1, GID_MEMBER },
	{ UID_OWNER, -1 }, { UID_MEMBER, -1 }, { 0, 0 },
	{ UID_OWNER, GID_OWNER },
};

static int chown_want(enum who w, const long long req[2])
{
	bool owner = owns(w, 'o');

	if (w == ROOT)
		return 0;
	if (req[0] != -1 && !(owner && req[0] == UID_OWNER))
		return EPERM;
	if (req[1] != -1 && !(owner && (req[1] == GID_FILES || in_group(w, req[1]))))
		return EPERM;
	return 0;
}

static void chown_case(char kind, unsigned mode, const long long req[2],
		       enum who w)
{
	int want = chown_want(w, req);
	unsigned after = kind == 'd' ? mode : drop_setid(mode, w, GID_FILES, true);
	struct pcase c = {
		.name = fmt("chown/%s/%s%04o-%lld:%lld", who_name(w),
			    kind == 'f' ? "file" : "dir", mode, req[0], req[1]),
		.setup = fmt("%c t %04o o", kind, mode),
		.op = OP_CHOWN, .a1 = "t", .n1 = req[0], .n2 = req[1], .who = w,
	};

	/* Dropping set-id bits is a mode change: the owner's right. */
	if (!want && after != mode && w != ROOT && !owns(w, 'o'))
		want = EPERM;
	c.want = want;
	if (want)
		c.checks = fmt("t uid=%d gid=%d mode=%04o ctime=same", UID_OWNER,
			       GID_FILES, mode);
	else
		c.checks = fmt("t uid=%lld gid=%lld mode=%04o ctime=changed",
			       req[0] == -1 ? UID_OWNER : req[0],
			       req[1] == -1 ? GID_FILES : req[1], after);
	run_case(&c);
}

static const struct row chown_rows[] = {
	{ "symlink-follows", "f t 0644 o; s l t o", "l", NULL, -1, GID_OWNER,
	  ROOT_OWNER(EPERM), "t gid=65502 l gid=65510", "t gid=65510" },
	{ "eloop-final", "s t t", "t", NULL, -1, -1, ALL(ELOOP), NULL, NULL },
	{ "enoent-dangling", "s t none", "t", NULL, -1, -1, ALL(ENOENT), NULL, NULL },
	{ "owner-in-dir-0", "d d 0 o; f d/t 0644 o", "d/t", NULL, -1, GID_OWNER,
	  ROOT_ONLY(EACCES), "d/t gid=65502", "d/t gid=65510" },
};

static const struct row lchown_rows[] = {
	{ "symlink-itself", "f t 0644 o; s l t o", "l", NULL, -1, GID_OWNER,
	  ROOT_OWNER(EPERM), "l gid=65502 t gid=65510", "l gid=65510" },
	{ "symlink-uid", "f t 0644 o; s l t o", "l", NULL, UID_MEMBER, -1,
	  ROOT_ONLY(EPERM), "l uid=65503 t uid=65501", "l uid=65501" },
	{ "file", "f t 04755 o", "t", NULL, -1, GID_OWNER,
	  ROOT_OWNER(EPERM), "t gid=65502 mode=0755", "t gid=65510 mode=4755" },
};

void fam_chown(void)
{
	struct pcase base = { .op = OP_CHOWN, .n1 = -1, .n2 = GID_FILES };
	struct pcase lbase = { .op = OP_LCHOWN };

	for (size_t m = 0; m < sizeof chown_modes / sizeof chown_modes[0]; m++)
		for (size_t r = 0; r < sizeof chown_reqs / sizeof chown_reqs[0]; r++)
			for (enum who w = 0; w < NWHO; w++)
				chown_case('f', chown_modes[m], chown_reqs[r], w);
	for (size_t r = 0; r < sizeof chown_reqs / sizeof chown_reqs[0]; r++)
		for (enum who w = 0; w < NWHO; w++)
			chown_case('d', 02755, chown_reqs[r], w);
	ROWS("chown", chown_rows, &base);
	ROWS("lchown", lchown_rows, &lbase);
	path_errors("chown", base, false, "t", 0);
}

static const unsigned write_modes[] = {
	0644, 0666, 0600, 0640, 0606, 0660, 0466, 0000, 04777, 02777, 06777,
	02767, 02757,
};

/* A call needing write permission on t (size 100), as everyone. */
static void write_matrix(const char *fam, const char *tag, struct pcase base,
			 long long len, bool always_mtime)
{
	for (size_t i = 0; i < sizeof write_modes / sizeof write_modes[0]; i++)
		for (enum who w = 0; w < NWHO; w++) {
			unsigned mode = write_modes[i];
			int need = (base.n2 & O_ACCMODE) == O_RDWR ? 6 : 2;
			bool may = (perm_bits(w, mode) & need) == need;
			bool changed = always_mtime || len != 100;
			struct pcase c = base;

			c.name = fmt("%s/%s/%s%04o-to-%lld", fam, who_name(w), tag,
				     mode, len);
			c.setup = fmt("f t %04o o 100", mode);
			c.a1 = "t";
			c.n1 = len;
			c.who = w;
			c.want = may ? 0 : EACCES;
			c.checks = fmt("t size=%lld mode=%04o mtime=%s",
				       may ? len : 100,
				       may ? drop_setid(mode, w, GID_FILES, false) : mode,
				       may && changed ? "now" : "old");
			run_case(&c);
		}
}

static const struct row truncate_rows[] = {
	{ "dir", "d t 0777 o", "t", NULL, 0, NOARG, ALL(EISDIR), NULL, NULL },
	{ "fifo", "p t 0666 o", "t", NULL, 0, NOARG, ALL(EINVAL), NULL, NULL },
	{ "negative", "f t 0666 o 100", "t", NULL, -1, NOARG, ALL(EINVAL),
	  NULL, "t size=100" },
	{ "symlink-follows", "f t 0666 o 100; s l t", "l", NULL, 7, NOARG,
	  ALL(0), "t size=7", NULL },
	{ "eloop-final", "s t t", "t", NULL, 0, NOARG, ALL(ELOOP), NULL, NULL },
	{ "enoent-final", "d d 0777 o", "d/none", NULL, 0, NOARG, ALL(ENOENT),
	  NULL, NULL },
	{ "grow", "f t 0666 o 100", "t", NULL, 1 << 20, NOARG, ALL(0),
	  "t size=1048576", NULL },
};

void fam_truncate(void)
{
	struct pcase base = { .op = OP_TRUNCATE };

	/* Linux (ext4, tmpfs too) sets mtime even when the size stays. */
	write_matrix("truncate", "", base, 0, true);
	write_matrix("truncate", "", base, 100, true);
	write_matrix("truncate", "", base, 5000, true);
	ROWS("truncate", truncate_rows, &base);
	path_errors("truncate", base, false, "t", 0);
}

static const struct row ftruncate_rows[] = {
	{ "rdonly", "f t 0666 o 100", "t", NULL, 0, O_RDONLY, ALL(EINVAL),
	  NULL, "t size=100" },
	{ "rdonly-0444", "f t 0444 o 100", "t", NULL, 0, O_RDONLY, ALL(EINVAL),
	  NULL, "t size=100" },
	{ "fifo", "p t 0666 o", "t", NULL, 0, O_RDWR, ALL(EINVAL), NULL, NULL },
	{ "negative", "f t 0666 o 100", "t", NULL, -1, O_RDWR, ALL(EINVAL),
	  NULL, "t size=100" },
	{ "wronly-0222", "f t 0222 o 100", "t", NULL, 3, O_WRONLY,
	  { 0, 0, 0, 0 }, "t size=3", NULL },
	{ "dir", "d t 0777 o", "t", NULL, 0, O_RDWR, ALL(EISDIR), NULL, NULL },
};

void fam_ftruncate(void)
{
	struct pcase base = { .op = OP_FTRUNCATE, .n2 = O_WRONLY };
	struct pcase rw = { .op = OP_FTRUNCATE, .n2 = O_RDWR };

	write_matrix("ftruncate", "wronly-", base, 0, true);
	write_matrix("ftruncate", "wronly-", base, 100, true);
	ROWS("ftruncate", ftruncate_rows, &base);
	path_errors("ftruncate", rw, false, "t", 0);
}

static const unsigned time_modes[] = { 0644, 0666, 0600, 0606, 0660, 0400 };
static const char *const time_names[] = {
	"null", "explicit", "both-now", "both-omit", "atime-only", "now-and-mtime",
};
static const char *const time_after[][2] = {
	{ "now", "now" }, { "1234567890.500000000", "1300000000.250000000" },
	{ "now", "now" }, { "old", "old" }, { "1234567890.500000000", "old" },
	{ "now", "1300000000.250000000" },
};

static int time_want(int spec, enum who w, unsigned mode)
{
	if (w == ROOT || owns(w, 'o') || spec == 3)
		return 0;
	if (spec == 0 || spec == 2)
		return perm_bits(w, mode) & 2 ? 0 : EACCES;
	return EPERM;
}

static void time_matrix(void)
{
	for (int s = 0; s < 6; s++)
		for (size_t m = 0; m < sizeof time_modes / sizeof time_modes[0]; m++)
			for (enum who w = 0; w < NWHO; w++) {
				int want = time_want(s, w, time_modes[m]);
				struct pcase c = {
					.name = fmt("utimensat/%s/%s-%04o", who_name(w),
						    time_names[s], time_modes[m]),
					.setup = fmt("f t %04o o", time_modes[m]),
					.op = OP_UTIMENS, .a1 = "t", .n1 = s,
					.who = w, .want = want,
				};

				c.checks = fmt("t atime=%s mtime=%s ctime=%s",
					       want ? "old" : time_after[s][0],
					       want ? "old" : time_after[s][1],
					       want || s == 3 ? "same" : "changed");
				run_case(&c);
			}
}

static const struct row time_rows[] = {
	{ "nofollow-symlink", "f t 0666 o; s l t o", "l", NULL, 1,
	  AT_SYMLINK_NOFOLLOW, ROOT_OWNER(EPERM),
	  "l mtime=1300000000.250000000 t mtime=old", "l mtime=old" },
	{ "follow-symlink", "f t 0666 o; s l t r", "l", NULL, 0, 0, ALL(0),
	  "t mtime=now l mtime=old", NULL },
	{ "dir-explicit", "d t 0777 o", "t", NULL, 1, 0, ROOT_OWNER(EPERM),
	  "t mtime=1300000000.250000000", "t mtime=old" },
	{ "dir-null", "d t 0757 o", "t", NULL, 0, 0, { 0, 0, EACCES, 0 },
	  "t mtime=now", "t mtime=old" },
	{ "bad-nsec", "f t 0666 o", "t", NULL, 6, 0, ALL(EINVAL), NULL, "t mtime=old" },
	{ "bad-flags", "f t 0666 o", "t", NULL, 1, 0x4000, ALL(EINVAL), NULL,
	  "t mtime=old" },
	{ "omit-missing", "d d 0755 o", "d/none", NULL, 3, 0, ALL(0), NULL, NULL },
	{ "eloop-final", "s t t", "t", NULL, 0, 0, ALL(ELOOP), NULL, NULL },
	{ "enoent-final", "d d 0777 o", "d/none", NULL, 0, 0, ALL(ENOENT), NULL, NULL },
};

void fam_utimensat(void)
{
	struct pcase base = { .op = OP_UTIMENS, .n1 = 0 };

	time_matrix();
	ROWS("utimensat", time_rows, &base);
	path_errors("utimensat", base, false, "t", 0);
}

static const struct row fallocate_rows[] = {
	{ "rdonly", "f t 0666 o 100", "t", NULL, 4096, O_RDONLY, ALL(EBADF),
	  NULL, "t size=100" },
	{ "len-0", "f t 0666 o 100", "t", NULL, 0, O_RDWR, ALL(EINVAL),
	  NULL, "t size=100" },
	{ "offset-negative", "f t 0666 o 100", "t", "-1", 10, O_RDWR,
	  ALL(EINVAL), NULL, "t size=100" },
	{ "inside", "f t 0666 o 100", "t", NULL, 10, O_RDWR, ALL(0),
	  "t size=100", NULL },
	{ "offset-beyond", "f t 0666 o 100", "t", "8192", 100, O_WRONLY,
	  ALL(0), "t size=8292", NULL },
	{ "append", "f t 0666 o 100", "t", NULL, 200, O_WRONLY | O_APPEND,
	  ALL(0), "t size=200", NULL },
	{ "fifo", "p t 0666 o", "t", NULL, 10, O_RDWR, ALL(ESPIPE), NULL, NULL },
	{ "dir", "d t 0777 o", "t", NULL, 10, O_RDONLY, ALL(EBADF), NULL, NULL },
};

void fam_fallocate(void)
{
	struct pcase base = { .op = OP_FALLOCATE, .n1 = 4096, .n2 = O_WRONLY };
	struct pcase rw = base;

	write_matrix("posix_fallocate", "wronly-", base, 4096, true);
	rw.n2 = O_RDWR;
	write_matrix("posix_fallocate", "rdwr-", rw, 4096, true);
	ROWS("posix_fallocate", fallocate_rows, &base);
	path_errors("posix_fallocate", rw, false, "t", 0);
}
