/*
 * The engine of fbr-posix: a fresh directory per case, the call made by a
 * forked child under the case's identity (setgroups, setresgid, setresuid,
 * umask 022), then root's checks of the result, each printed as a line
 * "NAME: WHAT VALUE" with "  [expected X]" appended when the value is not
 * the one Linux gives natively.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/posix/posix.h"

int cases_run, lines_run, lines_failed;
bool verbose;	/* -v: the expectation on every line, not only when off */
static unsigned case_seq;

static const struct {
	const char *name;
	uid_t uid;
	gid_t gid;
	gid_t extra;	/* 0: no supplementary group */
} whos[NWHO] = {
	[ROOT] = { "root", 0, 0, 0 },
	[OWNER] = { "owner", UID_OWNER, GID_OWNER, 0 },
	[MEMBER] = { "member", UID_MEMBER, GID_MEMBER, GID_FILES },
	[OTHER] = { "nonmember", UID_OTHER, GID_OTHER, 0 },
};

const char *who_name(enum who w) { return whos[w].name; }
uid_t who_uid(enum who w) { return whos[w].uid; }
gid_t who_gid(enum who w) { return whos[w].gid; }

int perm_bits(enum who w, unsigned mode)
{
	switch (w) {
	case ROOT: return 7;
	case OWNER: return (mode >> 6) & 7;
	case MEMBER: return (mode >> 3) & 7;
	default: return mode & 7;
	}
}

const char *fmt(const char *f, ...)
{
	static char ring[512][320];
	static unsigned next;
	char *buf = ring[next++ % 512];
	va_list ap;

	va_start(ap, f);
	vsnprintf(buf, sizeof ring[0], f, ap);
	va_end(ap);
	return buf;
}

const char *errname(int e)
{
	const char *n = e ? strerrorname_np(e) : "ok";
	return n ? n : fmt("errno%d", e);
}

void print_line(const char *name, const char *what, const char *got,
		const char *want, int *fails)
{
	lines_run++;
	if (strcmp(got, want) == 0) {
		printf(verbose ? "%s: %s %s  (expected %s)\n" : "%s: %s %s\n",
		       name, what, got, want);
		return;
	}
	lines_failed++;
	(*fails)++;
	printf("%s: %s %s  [expected %s]\n", name, what, got, want);
}

/* In the child: become the identity and make the call; exit with errno. */
static void child(const struct pcase *c)
{
	gid_t extra = whos[c->who].extra;

	alarm(5);
	if (setgroups(extra ? 1 : 0, &extra) != 0 ||
	    setresgid(whos[c->who].gid, whos[c->who].gid, whos[c->who].gid) != 0 ||
	    setresuid(whos[c->who].uid, whos[c->who].uid, whos[c->who].uid) != 0)
		_exit(254);
	umask(022);
	_exit(do_op(c));
}

static const char *call(const struct pcase *c)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return "fork-failed";
	if (pid == 0)
		child(c);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return "wait-failed";
	if (WIFSIGNALED(status))
		return fmt("signal-%s", sigabbrev_np(WTERMSIG(status)));
	if (WEXITSTATUS(status) == 254)
		return "cannot-change-identity";
	return errname(WEXITSTATUS(status));
}

static int rm_one(const char *path, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	remove(path);
	return 0;
}

/* Remove what a case left: its directory, and anything in ../xdev. */
static void clean(const char *dir)
{
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	if (xdev_dir) {
		char path[64];

		snprintf(path, sizeof path, "%s/t", xdev_dir);
		nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	}
}

void run_case(const struct pcase *c)
{
	char dir[32];
	int fails = 0;

	snprintf(dir, sizeof dir, "c%u", case_seq++);
	cases_run++;
	clean(dir);	/* left by an interrupted run */
	if (mkdir(dir, 0755) != 0 || chdir(dir) != 0) {
		perror(dir);
		exit(2);
	}
	if (do_setup(c->setup) != 0) {
		fprintf(stderr, "%s: setup '%s' failed\n", c->name, c->setup);
		exit(2);
	}
	do_checks(NULL, c->checks, NULL);	/* note the ctimes before */
	print_line(c->name, "result", call(c), errname(c->want), &fails);
	do_checks(c->name, c->checks, &fails);
	if (chdir("..") != 0)
		exit(2);
	clean(dir);
}
