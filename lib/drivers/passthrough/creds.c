/*
 * Acting for the caller.  A server running as root makes every new file,
 * directory, node and symlink as root unless it takes on the caller's
 * identity for the syscall that creates it; this file switches the calling
 * thread's effective uid, gid and supplementary groups to the caller's
 * around that one syscall, and back.
 *
 * Why the effective ids and not only the filesystem ids: setresuid from
 * euid 0 clears the whole effective capability set, setfsuid only the
 * file-related part of it.  Left with CAP_SYS_RESOURCE a thread may use
 * the blocks ext4 reserves for root and exceed disk quotas, which the
 * caller may not natively; with the effective ids switched the host sees
 * exactly an unprivileged caller.  The saved and real uid stay 0, so the
 * thread may go back, and getting the capabilities back costs nothing
 * more: returning to euid 0 restores the effective set from the permitted.
 *
 * Why raw syscalls: glibc's setresuid, setresgid and setgroups apply to
 * every thread of the process (POSIX says credentials are per process),
 * but Linux keeps them per thread and each worker acts for its own caller.
 *
 * The groups: FUSE sends no supplementary groups.  With
 * FUSE_CREATE_SUPP_GROUP the kernel sends one, the parent directory's
 * group when the caller belongs to it through a supplementary group; that
 * is the group the host checks the parent's permissions and the setgid
 * bit of the new file against, so the creating syscall comes out as it
 * would natively.  Otherwise the thread has no supplementary groups at all
 * while it acts for the caller: none of the server's may leak to it.
 *
 * Order matters: changing gid and groups needs CAP_SETGID, which the
 * thread loses the moment its euid stops being 0, so the gid side goes
 * first on the way in and last on the way out.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "drivers/passthrough/pt.h"

/* The 32-bit id calls where the plain ones take 16-bit ids. */
#ifdef SYS_setresuid32
#define PT_SYS_SETRESUID SYS_setresuid32
#define PT_SYS_SETRESGID SYS_setresgid32
#define PT_SYS_SETGROUPS SYS_setgroups32
#else
#define PT_SYS_SETRESUID SYS_setresuid
#define PT_SYS_SETRESGID SYS_setresgid
#define PT_SYS_SETGROUPS SYS_setgroups
#endif

/* -1 means "leave unchanged" to the kernel: never pass it as an id. */
#define NO_ID ((uint32_t)-1)

static int set_euid(uint32_t uid)
{
	return syscall(PT_SYS_SETRESUID, -1, (uid_t)uid, -1) < 0 ? -errno : 0;
}

static int set_egid(uint32_t gid)
{
	return syscall(PT_SYS_SETRESGID, -1, (gid_t)gid, -1) < 0 ? -errno : 0;
}

static int set_groups(size_t n, const gid_t *groups)
{
	return syscall(PT_SYS_SETGROUPS, n, groups) < 0 ? -errno : 0;
}

int pt_creds_init(struct pt_fs *fs)
{
	struct pt_srvcreds *s = &fs->srv;
	int n;

	*s = (struct pt_srvcreds){ .gid = getegid() };
	/* Only root can take on another identity, and only root needs to. */
	if (geteuid() != 0)
		return 0;
	n = getgroups(0, NULL);
	if (n < 0)
		return -errno;
	if (n > 0) {
		s->groups = calloc((size_t)n, sizeof(*s->groups));
		if (!s->groups)
			return -ENOMEM;
		n = getgroups(n, s->groups);
		if (n < 0) {
			free(s->groups);
			s->groups = NULL;
			return -errno;
		}
	}
	s->ngroups = (size_t)n;
	s->act = true;
	return 0;
}

void pt_creds_fini(struct pt_fs *fs)
{
	free(fs->srv.groups);
	fs->srv.groups = NULL;
}

/*
 * The gid side, in: the caller's groups, then its gid.  Each of these
 * calls costs microseconds (new credentials, RCU to free the old), so
 * groups are left alone when the server has none and the caller needs
 * none: the common case under a service manager.
 */
static int enter_gid(const struct pt_fs *fs, const struct fbr_ctx *c,
		     struct pt_creds *saved)
{
	gid_t supp = c->supp_gid;
	int err = 0;

	if (c->nsupp || fs->srv.ngroups) {
		err = set_groups(c->nsupp ? 1 : 0, &supp);
		saved->groups = !err;
	}
	if (!err)
		err = set_egid(c->gid);
	saved->gid = !err;
	return err;
}

/*
 * Going back must not fail: a thread left with a caller's identity would
 * serve the next request with it.  The kernel refuses these calls only
 * for lack of memory; stopping is the one safe answer then.
 */
static void must(int err, const char *what)
{
	if (!err)
		return;
	fprintf(stderr, "fbr passthrough: cannot restore %s: %s\n", what,
		strerror(-err));
	abort();
}

static void leave_gid(const struct pt_fs *fs, const struct pt_creds *saved)
{
	if (saved->gid)
		must(set_egid(fs->srv.gid), "gid");
	if (saved->groups)
		must(set_groups(fs->srv.ngroups, fs->srv.groups), "groups");
}

int pt_creds_enter(struct pt_fs *fs, const struct fbr_ctx *c,
		   struct pt_creds *saved)
{
	int err;

	*saved = (struct pt_creds){ 0 };
	if (!fs->srv.act || (c->uid == 0 && c->gid == fs->srv.gid))
		return 0;
	if (c->uid == NO_ID || c->gid == NO_ID)
		return -EOVERFLOW; /* an id the kernel could not map */
	err = enter_gid(fs, c, saved);
	if (!err && c->uid != 0) {
		err = set_euid(c->uid);
		saved->uid = !err;
	}
	if (err) {
		pt_creds_leave(fs, saved);
		*saved = (struct pt_creds){ 0 };
	}
	return err;
}

void pt_creds_leave(struct pt_fs *fs, const struct pt_creds *saved)
{
	int err = errno; /* the creating syscall's, for a caller that reads it after */

	if (saved->uid)
		must(set_euid(0), "uid");
	leave_gid(fs, saved);
	errno = err;
}
