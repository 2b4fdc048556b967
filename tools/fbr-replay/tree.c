/*
 * The directory a trace is replayed in.  --root names one to use as it
 * is; otherwise a fresh scratch directory is made under $TMPDIR, filled
 * from --tree (a directory copied with cp -a, or an archive unpacked with
 * tar, owners by number, extended attributes kept) and removed at the
 * end.  A recording began on a root of some mode and owner, which the
 * trace shows in the first reply about it: a scratch root takes them, so
 * that a recording made on any directory replays on ours.
 */
#include <errno.h>
#include <ftw.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fbr-replay.h"

extern char **environ;

/* Run argv and wait for it; 0 when it exited 0, else a message. */
static int spawn_wait(char *const argv[], const char *what, const char *tree)
{
	pid_t pid;
	int err = posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ), status;

	if (err) {
		errmsg("cannot %s '%s': cannot run %s: %s", what, tree, argv[0],
		       strerror(err));
		return -err;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	errmsg("cannot %s '%s': %s failed (status %d)", what, tree, argv[0],
	       WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	return -EIO;
}

/* A directory is copied, anything else taken for an archive tar reads. */
static int fill(const char *tree, const char *dir)
{
	struct stat st;
	char *from = NULL;
	int err;

	if (stat(tree, &st) < 0) {
		errmsg("cannot use '%s': %s", tree, strerror(errno));
		return -errno;
	}
	if (!S_ISDIR(st.st_mode)) {
		char *const tar[] = { "tar", "-xf", (char *)tree, "-C", (char *)dir,
				      "--numeric-owner", "--xattrs",
				      "--xattrs-include=*", NULL };

		return spawn_wait(tar, "unpack", tree);
	}
	if (asprintf(&from, "%s/.", tree) < 0) {
		errmsg("out of memory");
		return -ENOMEM;
	}
	err = spawn_wait((char *const[]){ "cp", "-a", "--", from, (char *)dir,
					  NULL }, "copy", tree);
	free(from);
	return err;
}

int root_prepare(const struct args *a, struct root *r)
{
	const char *tmp = getenv("TMPDIR");

	*r = (struct root){ 0 };
	if (!tmp || !*tmp)
		tmp = "/tmp";
	if (a->root ? !(r->path = strdup(a->root)) :
	    asprintf(&r->path, "%s/fbr-replay.XXXXXX", tmp) < 0) {
		r->path = NULL;
		errmsg("out of memory");
		return -ENOMEM;
	}
	if (a->root)
		return 0;
	if (!mkdtemp(r->path)) {
		errmsg("cannot make a scratch directory '%s': %s", r->path,
		       strerror(errno));
		return -errno;
	}
	r->ours = true;
	return a->tree ? fill(a->tree, r->path) : 0;
}

void root_adopt(struct root *r, uint32_t mode, uint32_t uid, uint32_t gid)
{
	if (!r->ours || r->adopted)
		return;
	r->adopted = true;
	/* chown first: it would clear a set-group-id bit set before it.
	   Failing (not root), the owner differs, and the replies say so. */
	if (chown(r->path, uid, gid) < 0 && errno != EPERM)
		errmsg("cannot chown '%s': %s", r->path, strerror(errno));
	if (chmod(r->path, mode & 07777) < 0)
		errmsg("cannot chmod '%s': %s", r->path, strerror(errno));
}

/* A replay may leave directories we could not enter or empty. */
static int open_up(const char *path, const struct stat *st, int flag,
		   struct FTW *ftw)
{
	if (flag == FTW_D)
		chmod(path, (st->st_mode & 07777) | 0700);
	return 0;
}

static int remove_one(const char *path, const struct stat *st, int flag,
		      struct FTW *ftw)
{
	return remove(path) < 0 && errno != ENOENT ? -1 : 0;
}

void root_finish(const struct args *a, struct root *r)
{
	if (r->ours && a->keep_root) {
		errmsg("the replay left its tree in '%s'", r->path);
	} else if (r->ours) {
		nftw(r->path, open_up, 32, FTW_PHYS | FTW_MOUNT);
		if (nftw(r->path, remove_one, 32,
			 FTW_DEPTH | FTW_PHYS | FTW_MOUNT) != 0)
			errmsg("cannot remove '%s': %s", r->path,
			       strerror(errno));
	}
	free(r->path);
	r->path = NULL;
}
