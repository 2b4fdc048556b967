/*
 * The sandbox, as virtiofsd builds it.  With --sandbox namespace the
 * server runs in new mount, pid and net namespaces, its root the shared
 * directory (pivot_root), with a /proc of its own; the process that
 * started it stays outside, forwards the signals that stop it, and exits
 * as it does.  With --sandbox chroot (for containers, where namespaces are
 * denied) the shared directory only becomes the root.
 *
 * The order matters and is the caller's (serve.c): the driver opens the
 * shared directory and /proc/self/fd after sandbox_prepare(), so both are
 * the sandbox's own, and before sandbox_confine() takes every other path
 * away.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fbr-virtiofsd.h"
#include "drivers/vfs/vfs.h"

/* What stops the daemon, forwarded from the waiting parent to the server. */
static const int stop_signals[] = { SIGTERM, SIGINT, SIGHUP };

static volatile sig_atomic_t server_pid, stop_signal;

static void set_stop_handler(void (*fn)(int))
{
	struct sigaction sa = { .sa_handler = fn };

	for (size_t i = 0; i < sizeof(stop_signals) / sizeof(int); i++)
		sigaction(stop_signals[i], &sa, NULL);
}

/*
 * The first process of a pid namespace ignores every signal it has no
 * handler for, even one it raises itself: it cannot die of SIGTERM as
 * other processes do, so it exits with the status a shell would show.
 */
static void init_stop(int sig)
{
	_exit(EXIT_SIGNAL(sig));
}

static void forward(int sig)
{
	stop_signal = sig;
	kill(server_pid, sig);
}

static void report_death(int sig)
{
	errmsg("the sandboxed server was killed by signal %d (%s)%s", sig,
	       strsignal(sig), sig == SIGSYS ? ": it made a system call "
	       "outside the seccomp allow-list (the kernel log names it)" : "");
}

/* The parent: wait for the server, and end as it ended. */
static int supervise(const sigset_t *old)
{
	int st;

	set_stop_handler(forward);
	sigprocmask(SIG_SETMASK, old, NULL);
	while (waitpid(server_pid, &st, 0) < 0) {
		if (errno != EINTR) {
			errmsg("waitpid: %s", strerror(errno));
			return EXIT_FAIL;
		}
	}
	if (stop_signal) {
		signal(stop_signal, SIG_DFL);
		raise(stop_signal);
		/* Still here: we are the first process of a namespace too. */
		return EXIT_SIGNAL(stop_signal);
	}
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	report_death(WTERMSIG(st));
	return EXIT_FAIL;
}

int sandbox_enter(const struct args *a, int conn, bool *child)
{
	sigset_t stops, old;
	pid_t pid;

	*child = true;
	if (a->sandbox != SANDBOX_NAMESPACE)
		return EXIT_OK;
	/* Only the child enters it; the mount and net namespaces are its
	   own too (ns_mounts()), so pivot_root leaves our root alone. */
	if (unshare(CLONE_NEWPID) < 0) {
		errmsg("cannot make a pid namespace: %s (--sandbox chroot or "
		       "none do without)", strerror(errno));
		return EXIT_FAIL;
	}
	/* No stop signal may fall between the fork and the handlers. */
	sigemptyset(&stops);
	for (size_t i = 0; i < sizeof(stop_signals) / sizeof(int); i++)
		sigaddset(&stops, stop_signals[i]);
	sigprocmask(SIG_BLOCK, &stops, &old);
	pid = fork();
	if (pid == 0) {
		set_stop_handler(init_stop);
		/* The parent is what the launcher knows (libvirt kills it). */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		sigprocmask(SIG_SETMASK, &old, NULL);
		return EXIT_OK;
	}
	*child = false;
	close(conn); /* the front-end must see the server's end only */
	if (pid < 0) {
		errmsg("fork: %s", strerror(errno));
		return EXIT_FAIL;
	}
	server_pid = pid;
	return supervise(&old);
}

static int cannot(const char *what)
{
	errmsg("sandbox: cannot %s: %s", what, strerror(errno));
	return -1;
}

/*
 * New mount and net namespaces.  Our mounts must not reach the host's,
 * and the host's later unmounts should reach ours; then a /proc for our
 * pid namespace.  It needs only the processes (subset=pid, Linux 5.8):
 * the rest of /proc, sysrq-trigger among it, is no business of a
 * confined server.
 */
static int ns_enter(void)
{
	const unsigned long procfl = MS_NOSUID | MS_NODEV | MS_NOEXEC;

	if (unshare(CLONE_NEWNS | CLONE_NEWNET) < 0)
		return cannot("make mount and net namespaces");
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		return cannot("make our mounts private");
	if (mount("proc", "/proc", "proc", procfl, "subset=pid") < 0 &&
	    (errno != EINVAL || mount("proc", "/proc", "proc", procfl, NULL) < 0))
		return cannot("mount /proc");
	return 0;
}

static int ns_mounts(const char *dir)
{
	if (ns_enter())
		return -1;
	/* pivot_root wants a mount point: make dir one. */
	if (mount(dir, dir, NULL, MS_BIND | MS_REC, NULL) < 0)
		return cannot("bind-mount the shared directory");
	return 0;
}

int sandbox_prepare(const struct args *a, const char **source)
{
	const char *dir = a->pt.source;

	*source = dir;
	if (a->sandbox == SANDBOX_NONE)
		return 0;
	if (a->sandbox == SANDBOX_NAMESPACE && ns_mounts(dir))
		return -1;
	if (chdir(dir) < 0) {
		errmsg("%s: %s", dir, strerror(errno));
		return -1;
	}
	/* Opened as ".", the root the driver holds is the very directory
	   (and mount) that becomes ours: ".." stops there too. */
	*source = ".";
	return 0;
}

/*
 * With --mount the root to pivot into is a tmpfs of our own holding each
 * source at /0, /1, ...  Each source is cloned first (open_tree, with
 * the mounts below it), then the tmpfs goes over the first source (a
 * directory sure to exist; in our namespace only: a clone taken after
 * would hold the tmpfs itself), and the clones are moved into it.  Once
 * they are in, the tmpfs is made read-only.
 */
#define TMPFS_FLAGS (MS_NOSUID | MS_NODEV | MS_NOEXEC)

static int place_sources(const struct args *a, const int *trees,
			 const char **sources)
{
	static char names[FBR_VFS_MAX][24];

	for (size_t i = 0; i < a->mounts.n; i++) {
		snprintf(names[i], sizeof(names[i]), "%zu", i);
		if (mkdir(names[i], 0755) < 0 ||
		    move_mount(trees[i], "", AT_FDCWD, names[i],
			       MOVE_MOUNT_F_EMPTY_PATH) < 0) {
			errmsg("sandbox: cannot mount '%s' in our root: %s",
			       a->mounts.sources[i], strerror(errno));
			return -1;
		}
		sources[i] = names[i];
	}
	if (mount(NULL, ".", NULL, MS_REMOUNT | MS_RDONLY | TMPFS_FLAGS,
		  NULL) < 0)
		return cannot("make the sources' root read-only");
	return 0;
}

static int vfs_root(const struct args *a, const char **sources)
{
	int trees[FBR_VFS_MAX];
	size_t n = 0;
	int ret = -1;

	for (; n < a->mounts.n; n++) {
		trees[n] = open_tree(AT_FDCWD, a->mounts.sources[n],
				     OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
				     AT_RECURSIVE);
		if (trees[n] < 0) {
			errmsg("sandbox: cannot clone '%s': %s",
			       a->mounts.sources[n], strerror(errno));
			goto out;
		}
	}
	if (mount("fbr-virtiofsd", a->mounts.sources[0], "tmpfs", TMPFS_FLAGS,
		  "mode=0755") < 0 || chdir(a->mounts.sources[0]) < 0)
		cannot("mount a tmpfs for the sources' root");
	else
		ret = place_sources(a, trees, sources);
out:
	while (n--)
		close(trees[n]);
	return ret;
}

int sandbox_prepare_vfs(const struct args *a, const char **sources)
{
	if (a->sandbox == SANDBOX_NONE) {
		for (size_t i = 0; i < a->mounts.n; i++)
			sources[i] = a->mounts.sources[i];
		return 0;
	}
	/* options.c lets --mount through with namespace or none only. */
	if (ns_enter())
		return -1;
	return vfs_root(a, sources);
}

int sandbox_confine(const struct args *a)
{
	/* pivot_root(".", ".") stacks the old root on the new one, which
	   umount2 then takes away: no spare directory is needed. */
	if (a->sandbox == SANDBOX_NAMESPACE &&
	    (syscall(SYS_pivot_root, ".", ".") < 0 ||
	     umount2(".", MNT_DETACH) < 0 || chdir("/") < 0))
		goto fail;
	if (a->sandbox == SANDBOX_CHROOT && (chroot(".") < 0 || chdir("/") < 0))
		goto fail;
	/* A core file goes to the current directory unless core_pattern
	   says otherwise, and that directory is now the guest's. */
	if (a->sandbox != SANDBOX_NONE)
		setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 });
	return 0;
fail:
	errmsg("sandbox: cannot make '%s' the root: %s",
	       a->pt.source ? a->pt.source : "the sources' tmpfs",
	       strerror(errno));
	return -1;
}
