/*
 * fbr-stress [-p PROCS] [-t SECONDS] [-s SEED] [-F] DIR: a stress test
 * of a file system, meant for fbr-mount and run natively to show the
 * model right.  PROCS processes (8) make mixed calls in the empty DIR for
 * SECONDS (10): create, write at offsets, read back, truncate, unlink,
 * link, rename (within and across directories, over existing files),
 * mkdir, rmdir (also of non-empty directories), renames of subtrees,
 * readdir, calls on a name of the wrong kind, user.* extended attributes,
 * fds kept open while the names behind them change, and locks.  The same
 * SEED replays the same calls in each process (timing aside).
 *
 * Each process owns DIR/pN and the names pN-* in DIR/shared, and keeps an
 * exact model of them (model.c), so it knows the result of every call
 * before making it: success, or which errno (ENOENT, EEXIST, ENOTEMPTY,
 * EISDIR, ENOTDIR, ENODATA).  File contents come from the process's
 * random stream, seeded from SEED, and are read back against the model.
 * Locks are the one thing shared: fcntl, OFD and flock locks on two files
 * in DIR/locks guarding counters (locks.c).  When time is up each process
 * closes its fds and walks its part of the tree against the model (names,
 * types, sizes, contents, link counts, inode numbers, extended attributes;
 * check.c), and the parent checks the counters and the top of DIR.
 *
 * Every difference is reported as "fbr-stress: pN, call K, OP: 'PATH':
 * got X, expected Y" and ends the run.  -F corrupts one file of p0 behind
 * the model's back before the walk, to show the walk catches it.  Prints
 * the calls made per kind, how many failed as expected, and calls per
 * second.  Exit status: 0 all as predicted, 1 some difference, 2 a usage
 * or set-up error.  DIR must support user extended attributes.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "tests/stress/stress.h"

#define MAXPROCS 64

enum { EXIT_DIFFERS = 1, EXIT_USAGE = 2 };

/* The mix: weights out of their sum. */
static const struct {
	const char *name;
	int (*run)(struct worker *w);
	int weight;
} ops[NOPS] = {
	[OP_CREATE] = { "create", op_create, 10 },
	[OP_WRITE] = { "write", op_write, 10 },
	[OP_READ] = { "read", op_read, 10 },
	[OP_TRUNCATE] = { "truncate", op_truncate, 4 },
	[OP_UNLINK] = { "unlink", op_unlink, 6 },
	[OP_LINK] = { "link", op_link, 6 },
	[OP_RENAME] = { "rename", op_rename, 8 },
	[OP_MKDIR] = { "mkdir", op_mkdir, 5 },
	[OP_RMDIR] = { "rmdir", op_rmdir, 5 },
	[OP_RENAMEDIR] = { "rename-dir", op_renamedir, 3 },
	[OP_READDIR] = { "readdir", op_readdir, 4 },
	[OP_WRONGTYPE] = { "wrong-type", op_wrongtype, 3 },
	[OP_SETXATTR] = { "setxattr", op_setxattr, 4 },
	[OP_GETXATTR] = { "getxattr", op_getxattr, 3 },
	[OP_REMOVEXATTR] = { "removexattr", op_removexattr, 2 },
	[OP_LISTXATTR] = { "listxattr", op_listxattr, 2 },
	[OP_HOLD] = { "hold-fd", op_hold, 3 },
	[OP_FDIO] = { "held-fd-io", op_fdio, 6 },
	[OP_RELEASE] = { "close-held", op_release, 2 },
	[OP_LOCK] = { "fcntl-lock", op_lock, 2 },
	[OP_OFDLOCK] = { "ofd-lock", op_ofdlock, 2 },
	[OP_FLOCK] = { "flock", op_flock, 2 },
};

const char *op_name(enum op op)
{
	return op == OP_CHECK ? "final check" : ops[op].name;
}

struct args {
	int procs;
	int seconds;
	uint64_t seed;
	bool fault;
	const char *dir;
};

static void usage(void)
{
	fputs("Usage: fbr-stress [options] <dir>\n"
	      "\n"
	      "Stress the file system at the empty directory <dir> with mixed\n"
	      "calls from several processes, each checked against a model.\n"
	      "\n"
	      "Options:\n"
	      " -p, --procs <n>      processes (default 8)\n"
	      " -t, --time <s>       seconds of calls (default 10)\n"
	      " -s, --seed <n>       seed of the calls and data (default: from\n"
	      "                      the clock; printed either way)\n"
	      " -F, --fault          corrupt a file behind the model's back\n"
	      "                      before the final check, which must fail\n"
	      " -h, --help           display this help\n", stdout);
}

static int usage_error(const char *what, const char *arg)
{
	fprintf(stderr, "fbr-stress: %s%s%s%s\n"
		"Try 'fbr-stress --help' for more information.\n", what,
		arg ? " '" : "", arg ? arg : "", arg ? "'" : "");
	return EXIT_USAGE;
}

static int number(const char *arg, long max, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(arg, &end, 10);
	return errno || end == arg || *end || *out < 1 || *out > max ? -1 : 0;
}

static int seed(const char *arg, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(arg, &end, 0);
	return errno || end == arg || *end || *arg == '-' ? -1 : 0;
}

static int parse_args(int argc, char **argv, struct args *a)
{
	static const struct option longopts[] = {
		{ "procs", required_argument, NULL, 'p' },
		{ "time", required_argument, NULL, 't' },
		{ "seed", required_argument, NULL, 's' },
		{ "fault", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct timespec now;
	long n;
	int c;

	clock_gettime(CLOCK_REALTIME, &now);
	*a = (struct args){ 8, 10, (uint64_t)now.tv_nsec ^ (uint64_t)getpid(),
			    false, NULL };
	while ((c = getopt_long(argc, argv, "p:t:s:Fh", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (number(optarg, MAXPROCS, &n))
				return usage_error("invalid process count", optarg);
			a->procs = (int)n;
			break;
		case 't':
			if (number(optarg, 7 * 24 * 3600, &n))
				return usage_error("invalid duration", optarg);
			a->seconds = (int)n;
			break;
		case 's':
			if (seed(optarg, &a->seed))
				return usage_error("invalid seed", optarg);
			break;
		case 'F':
			a->fault = true;
			break;
		case 'h':
			usage();
			exit(0);
		default:
			return usage_error("bad usage", NULL);
		}
	}
	if (optind != argc - 1)
		return usage_error("expected one directory", NULL);
	a->dir = argv[optind];
	return 0;
}

static enum op pick_op(struct worker *w)
{
	static int total;
	int r;

	if (!total)
		for (int i = 0; i < NOPS; i++)
			total += ops[i].weight;
	r = (int)rnd(w, (uint64_t)total);
	for (int i = 0; i < NOPS; i++) {
		if (r < ops[i].weight)
			return (enum op)i;
		r -= ops[i].weight;
	}
	abort();
}

static bool past(const struct timespec *end)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > end->tv_sec ||
		(now.tv_sec == end->tv_sec && now.tv_nsec >= end->tv_nsec);
}

/* One process: calls until the end (or another's failure), then the walk. */
static int worker_main(struct board *b, int id, const struct args *a,
		       const struct timespec *end)
{
	struct worker *w = calloc(1, sizeof *w);

	if (!w)
		return EXIT_USAGE;
	w->id = id;
	w->rng = a->seed * 0x100000001b3ULL + (uint64_t)id;
	w->board = b;
	w->tally = &b->t[id];
	w->dir[0] = true;
	memset(w->slot, -1, sizeof w->slot);
	for (int i = 0; i < NHOLD; i++)
		w->hold[i].ino = -1;
	while (!b->stop && !past(end)) {
		enum op op = pick_op(w);
		int ret;

		w->serial++;
		ret = ops[op].run(w);
		if (ret < 0)
			return EXIT_DIFFERS;
		w->tally->ops[op] += ret == 0;
	}
	release_all(w);
	if (a->fault && id == 0)
		inject_fault(w);
	return check_tree(w) ? EXIT_DIFFERS : 0;
}

static int setup_error(const char *verb, const struct args *a,
		       const char *name)
{
	fprintf(stderr, "fbr-stress: cannot %s '%s%s%s': %s\n", verb, a->dir,
		name ? "/" : "", name ? name : "", strerror(errno));
	return EXIT_USAGE;
}

static int make_lock_file(const struct args *a, const char *name)
{
	int fd = open(name, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0644);

	if (fd < 0 || ftruncate(fd, LOCK_BYTES)) {
		if (fd >= 0)
			close(fd);
		return setup_error("create", a, name);
	}
	close(fd);
	return 0;
}

/* The empty DIR gets shared/, locks/ with the lock files, and pN/. */
static int setup_dir(const struct args *a)
{
	char name[PATH_LEN];
	struct dirent *e;
	DIR *d;

	if (chdir(a->dir) || !(d = opendir(".")))
		return setup_error("open", a, NULL);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			closedir(d);
			fprintf(stderr, "fbr-stress: '%s' is not empty\n", a->dir);
			return EXIT_USAGE;
		}
	closedir(d);
	if (mkdir("shared", 0755) || mkdir("locks", 0755))
		return setup_error("create directories in", a, NULL);
	if (make_lock_file(a, LOCK_FCNTL) || make_lock_file(a, LOCK_FLOCK))
		return EXIT_USAGE;
	if (setxattr("locks", "user.fbr-stress", "", 0, 0) ||
	    removexattr("locks", "user.fbr-stress"))
		return setup_error("set an extended attribute in", a, "locks");
	for (int i = 0; i < a->procs; i++) {
		snprintf(name, sizeof name, "p%d", i);
		if (mkdir(name, 0755))
			return setup_error("create", a, name);
	}
	return 0;
}

/* The counter of a lock file holds every increment, and no one is inside. */
static int check_counter(const char *name, unsigned long long made)
{
	uint64_t v[2] = { 0, 0 };
	int fd = open(name, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || pread(fd, v, sizeof v, 0) != sizeof v) {
		fprintf(stderr, "fbr-stress: cannot read '%s': %s\n", name,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	if (v[0] == made && !v[1])
		return 0;
	fprintf(stderr, "fbr-stress: '%s': counter %" PRIu64 " holder %" PRIu64
		", expected %llu and none\n", name, v[0], v[1], made);
	return -1;
}

/* name is pN (dir) or pN-... (shared) for a process N of this run. */
static bool process_name(const char *name, int procs, bool shared)
{
	int n, len = 0;

	if (sscanf(name, "p%d%n", &n, &len) != 1 || n < 0 || n >= procs)
		return false;
	return shared ? name[len] == '-' : name[len] == '\0';
}

/* What no process checks: the top of DIR and strangers in shared/. */
static int check_top(const struct args *a)
{
	static const char *const dirs[] = { ".", "shared" };
	int bad = 0;

	for (int i = 0; i < 2; i++) {
		DIR *d = opendir(dirs[i]);
		struct dirent *e;

		if (!d) {
			fprintf(stderr, "fbr-stress: cannot list '%s/%s': %s\n",
				a->dir, dirs[i], strerror(errno));
			return -1;
		}
		while ((e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") ||
			    process_name(e->d_name, a->procs, i == 1) ||
			    (i == 0 && (!strcmp(e->d_name, "shared") ||
					!strcmp(e->d_name, "locks"))))
				continue;
			fprintf(stderr, "fbr-stress: '%s/%s' lists '%s', made by "
				"no one\n", a->dir, dirs[i], e->d_name);
			bad = -1;
		}
		closedir(d);
	}
	return bad;
}

static void print_summary(const struct args *a, const struct board *b)
{
	unsigned long long all = 0, incr[2] = { 0, 0 };

	printf("%-12s %10s %10s\n", "call", "made", "failed as expected");
	for (int op = 0; op < NOPS; op++) {
		unsigned long long n = 0, e = 0;

		for (int i = 0; i < a->procs; i++) {
			n += b->t[i].ops[op];
			e += b->t[i].errs[op];
		}
		printf("%-12s %10llu %10llu\n", ops[op].name, n, e);
		all += n;
	}
	for (int i = 0; i < a->procs; i++) {
		incr[0] += b->t[i].incr[0];
		incr[1] += b->t[i].incr[1];
	}
	printf("%-12s %10llu   (%.0f calls/s)\n", "all", all,
	       (double)all / a->seconds);
	printf("counters: %llu increments under fcntl and OFD locks, %llu "
	       "under flock\n", incr[0], incr[1]);
}

/* Collect the processes; 0 if every one exited 0. */
static int wait_all(pid_t *pids, int procs)
{
	int ret = 0, status;

	for (int i = 0; i < procs; i++) {
		if (waitpid(pids[i], &status, 0) < 0) {
			perror("fbr-stress: waitpid");
			ret = -1;
		} else if (WIFSIGNALED(status)) {
			fprintf(stderr, "fbr-stress: p%d: killed by signal %d\n",
				i, WTERMSIG(status));
			ret = -1;
		} else if (WEXITSTATUS(status)) {
			ret = -1;
		}
	}
	return ret;
}

static int run(const struct args *a, struct board *b)
{
	unsigned long long made[2] = { 0, 0 };
	pid_t pids[MAXPROCS];
	struct timespec end;
	int ret;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += a->seconds;
	fflush(stdout);
	for (int i = 0; i < a->procs; i++) {
		pids[i] = fork();
		if (pids[i] == 0)
			_exit(worker_main(b, i, a, &end));
		if (pids[i] < 0) {
			perror("fbr-stress: fork");
			b->stop = 1;
			wait_all(pids, i);
			return EXIT_USAGE;
		}
	}
	ret = wait_all(pids, a->procs);
	for (int i = 0; i < a->procs; i++) {
		made[0] += b->t[i].incr[0];
		made[1] += b->t[i].incr[1];
	}
	if (check_counter(LOCK_FCNTL, made[0]) ||
	    check_counter(LOCK_FLOCK, made[1]) || check_top(a))
		ret = -1;
	print_summary(a, b);
	return ret ? EXIT_DIFFERS : 0;
}

int main(int argc, char **argv)
{
	struct args a;
	struct board *b;
	int ret = parse_args(argc, argv, &a);

	if (ret)
		return ret;
	ret = setup_dir(&a);
	if (ret)
		return ret;
	b = mmap(NULL, sizeof *b + (size_t)a.procs * sizeof b->t[0],
		 PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (b == MAP_FAILED) {
		perror("fbr-stress: mmap");
		return EXIT_USAGE;
	}
	printf("fbr-stress: %d processes for %d s in '%s', seed %" PRIu64 "\n",
	       a.procs, a.seconds, a.dir, a.seed);
	return run(&a, b);
}
