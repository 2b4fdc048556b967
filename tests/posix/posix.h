/*
 * fbr-posix: a POSIX conformance suite for a directory, native or mounted.
 * Every case runs one system call as one of four identities (root, the
 * owner of the fixtures, a member of their group through a supplementary
 * group only, and a non-member) in a fresh subdirectory built by root, and
 * prints one line per assertion: the case, what was observed and, when it
 * differs, what Linux natively gives.  This header holds the identities,
 * the case description shared by the tables and the engine's interface.
 */
#ifndef FBR_TESTS_POSIX_H
#define FBR_TESTS_POSIX_H

#include <stdbool.h>
#include <sys/types.h>

/* The identities a case runs as, and the ids of the fixtures. */
enum who { ROOT, OWNER, MEMBER, OTHER, NWHO };

#define UID_OWNER 65501
#define GID_OWNER 65502	 /* the owner's primary group (not the files') */
#define UID_MEMBER 65503
#define GID_MEMBER 65504
#define UID_OTHER 65505
#define GID_OTHER 65506
#define GID_FILES 65510	 /* the fixtures' group; MEMBER has it as extra */

/* Permission bits a mode gives an identity on a fixture it does not own
 * unless it is OWNER (fixtures belong to UID_OWNER:GID_FILES). */
int perm_bits(enum who w, unsigned mode);
uid_t who_uid(enum who w);
gid_t who_gid(enum who w);
const char *who_name(enum who w);

/* The system calls the child can make; the meaning of a1, a2, n1, n2 is
 * given per operation in run.c. */
enum op {
	OP_CHMOD, OP_LCHMOD, OP_CHOWN, OP_LCHOWN, OP_LINK, OP_MKDIR, OP_MKFIFO,
	OP_MKNOD, OP_OPEN, OP_OPENW, OP_RENAME, OP_RMDIR, OP_SYMLINK,
	OP_TRUNCATE, OP_FTRUNCATE, OP_UNLINK, OP_UTIMENS, OP_FALLOCATE,
};

/*
 * A case: the setup script run by root (see setup.c), the call, who makes
 * it, the errno expected (0: success) and the checks made by root after
 * the call, each "PATH FIELD=VALUE ..." separated by ';' (see check.c).
 */
struct pcase {
	const char *name;
	const char *setup;
	enum op op;
	const char *a1, *a2;
	long long n1, n2;
	enum who who;
	int want;
	const char *checks;
};

/* Run one case and print its lines; counts in the totals. */
void run_case(const struct pcase *c);
/* printf into a buffer kept until the next case (for names and checks). */
const char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));

/* Engine internals shared between files. */
int do_setup(const char *script);
int do_op(const struct pcase *c);
int do_checks(const char *name, const char *checks, int *fails);
void print_line(const char *name, const char *what, const char *got,
		const char *want, int *fails);
extern long long old_time;	/* the times setup gives every fixture */
extern int protected_hardlinks;
extern const char *xdev_dir;	/* another filesystem, or NULL */

/* The families, each a function running all its cases. */
void fam_chmod(void);
void fam_chown(void);
void fam_link(void);
void fam_mkdir(void);
void fam_mkfifo(void);
void fam_mknod(void);
void fam_open(void);
void fam_rename(void);
void fam_rmdir(void);
void fam_symlink(void);
void fam_truncate(void);
void fam_ftruncate(void);
void fam_unlink(void);
void fam_utimensat(void);
void fam_fallocate(void);

/* Shared parts of the tables. */
extern const char *const long_name;	/* 256 bytes: too long a component */
extern const char *const long_path;	/* over PATH_MAX */
const char *errname(int e);

#endif
