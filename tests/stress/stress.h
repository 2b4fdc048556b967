/*
 * fbr-stress: processes making mixed file system calls in one directory
 * for a bounded time, each checking every result against an exact model
 * of the part of the tree it owns (fbr-stress.c has the whole picture).
 * This header holds the model, a worker's state and the operations.
 */
#ifndef FBR_TESTS_STRESS_H
#define FBR_TESTS_STRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * The names a process may use, fixed so the model is a table: its root pN,
 * NSUB directories dA below it and NSUB dB below each of those; NNAMES
 * file names fK in each, and NNAMES names pN-fK in the shared directory.
 * Directory and file names never trade places (renames keep the kind), so
 * a slot's kind is known from its number.
 */
#define NSUB 4
#define NDIRS (1 + NSUB + NSUB * NSUB)
#define DIR_SHARED NDIRS	/* the directory of the shared slots */
#define NNAMES 8
#define NSLOTS ((NDIRS + 1) * NNAMES)
#define NHOLD 2			/* fds a process keeps open across calls */
#define NINODES (NSLOTS + NHOLD)
#define MAXSIZE 32768
#define NXATTRS 4
#define XATTR_MAX 64
#define PATH_LEN 64

struct xattr {
	bool set;
	size_t len;
	unsigned char val[XATTR_MAX];
};

/* A file: free while it has neither names nor open fds. */
struct inode {
	int nlink;
	int held;
	ino_t st_ino;		/* as the file system gave it at creation */
	size_t size;
	unsigned char *data;	/* MAXSIZE bytes, zero past size */
	struct xattr x[NXATTRS];
};

struct held {
	int fd;
	int ino;		/* -1: unused */
};

enum op {
	OP_CREATE, OP_WRITE, OP_READ, OP_TRUNCATE, OP_UNLINK, OP_LINK,
	OP_RENAME, OP_MKDIR, OP_RMDIR, OP_RENAMEDIR, OP_READDIR, OP_WRONGTYPE,
	OP_SETXATTR, OP_GETXATTR, OP_REMOVEXATTR, OP_LISTXATTR,
	OP_HOLD, OP_FDIO, OP_RELEASE, OP_LOCK, OP_OFDLOCK, OP_FLOCK,
	NOPS,
	OP_CHECK = NOPS,	/* the final walk, in messages */
};

/* What each process tells the parent, in memory shared with it. */
struct tally {
	unsigned long long ops[NOPS];
	unsigned long long errs[NOPS];	/* the expected errors among them */
	unsigned long long incr[2];	/* counter increments: fcntl, flock */
	int failed;
};

struct board {
	volatile int stop;	/* a process failed: the others stop early */
	struct tally t[];
};

struct worker {
	int id;
	uint64_t rng;
	unsigned long long serial;	/* of the current call, for messages */
	struct board *board;
	struct tally *tally;
	bool dir[NDIRS];
	int slot[NSLOTS];		/* inode number, or -1 */
	struct inode ino[NINODES];
	struct held hold[NHOLD];
};

/* model.c: randomness, names, the model's bookkeeping, reporting. */
uint64_t rnd(struct worker *w, uint64_t n);
void fill_random(struct worker *w, unsigned char *buf, size_t len);
int dir_parent(int d);
int dir_depth(int d);
int dir_child(int d, int i);
bool dir_within(int d, int e);		/* d is e or an ancestor of it */
char *dir_path(const struct worker *w, int d, char *buf);
char *slot_path(const struct worker *w, int s, char *buf);
bool dir_reachable(const struct worker *w, int d);
bool slot_reachable(const struct worker *w, int s);
bool dir_empty(const struct worker *w, int d);
int pick_dir(struct worker *w);
int pick_slot(struct worker *w);
int pick_file(struct worker *w);
int inode_new(struct worker *w, ino_t st_ino);
void model_write(struct inode *n, size_t off, const void *buf, size_t len);
void model_resize(struct inode *n, size_t size);
void model_move_dir(struct worker *w, int src, int dst);
const char *op_name(enum op op);
int fail(struct worker *w, enum op op, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int expect(struct worker *w, enum op op, const char *p1, const char *p2,
	   int got, int want);
int close_checked(struct worker *w, enum op op, const char *p, int fd);

/* check.c: what a name shows, compared with its inode in the model. */
int check_file(struct worker *w, enum op op, const char *p, int fd, int i);
int check_xattrs(struct worker *w, enum op op, const char *p, int i);
int check_tree(struct worker *w);
void inject_fault(struct worker *w);
int op_readdir(struct worker *w);

/*
 * The operations: 0 when the call gave what the model predicts, 1 when
 * the model offered nothing to try, -1 after reporting a difference.
 */
int write_some(struct worker *w, enum op op, const char *p, int fd, int i);
int op_create(struct worker *w);
int op_write(struct worker *w);
int op_read(struct worker *w);
int op_truncate(struct worker *w);
int op_unlink(struct worker *w);
int op_link(struct worker *w);
int op_rename(struct worker *w);
int op_mkdir(struct worker *w);
int op_rmdir(struct worker *w);
int op_renamedir(struct worker *w);
int op_wrongtype(struct worker *w);
int op_setxattr(struct worker *w);
int op_getxattr(struct worker *w);
int op_removexattr(struct worker *w);
int op_listxattr(struct worker *w);
int op_hold(struct worker *w);
int op_fdio(struct worker *w);
int op_release(struct worker *w);
int op_lock(struct worker *w);
int op_ofdlock(struct worker *w);
int op_flock(struct worker *w);
void release_all(struct worker *w);

/* The lock files: a counter and its holder, changed only under the lock. */
#define LOCK_FCNTL "locks/fcntl"
#define LOCK_FLOCK "locks/flock"
#define LOCK_BYTES 16

#endif
