/*
 * The seccomp filter: once the sandbox is up, the server may make the
 * system calls below and no others.  The list is what the vhost-user
 * back-end, the passthrough driver, the trace writer and glibc under them
 * call while serving, found by reading them and by strace over the VM
 * test; the VM test runs under --seccomp kill, so a call missing here
 * fails it.  The kernel logs a call outside the list (audit type 1326,
 * with its number): --seccomp log lets it through, trap raises SIGSYS,
 * which ends the server as kill does unless a debugger holds it (its
 * worker threads block signals, so no handler could run).
 */
#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <string.h>

#include "fbr-virtiofsd.h"

#define N_ELEM(x) (sizeof(x) / sizeof((x)[0]))

static const int allowed[] = {
	/* vhost-user: messages and fds on the socket, guest memory,
	   kick and call eventfds */
	SCMP_SYS(recvmsg), SCMP_SYS(sendmsg), SCMP_SYS(poll), SCMP_SYS(ppoll),
	SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(eventfd2),
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(close),
	/* threads, one per started queue (clone where clone3 is not) */
	SCMP_SYS(clone3), SCMP_SYS(clone), SCMP_SYS(set_robust_list),
	SCMP_SYS(rseq), SCMP_SYS(futex), SCMP_SYS(mprotect),
	SCMP_SYS(madvise), SCMP_SYS(brk), SCMP_SYS(exit),
	SCMP_SYS(exit_group), SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(restart_syscall), SCMP_SYS(clock_gettime),
	/* the driver's lock waiters, woken by a timer's SIGURG; and
	   abort(), should an assertion fail */
	SCMP_SYS(rt_sigaction), SCMP_SYS(rt_sigreturn),
	SCMP_SYS(timer_create), SCMP_SYS(timer_settime),
	SCMP_SYS(timer_delete), SCMP_SYS(gettid), SCMP_SYS(getpid),
	SCMP_SYS(tgkill),
	/* the passthrough driver: the guest's file operations */
	SCMP_SYS(openat), SCMP_SYS(newfstatat), SCMP_SYS(fstat),
	SCMP_SYS(statx), SCMP_SYS(fstatfs), SCMP_SYS(getdents64),
	SCMP_SYS(lseek), SCMP_SYS(preadv), SCMP_SYS(pwritev),
	SCMP_SYS(readlinkat), SCMP_SYS(mkdirat), SCMP_SYS(mknodat),
	SCMP_SYS(symlinkat), SCMP_SYS(linkat), SCMP_SYS(unlinkat),
	SCMP_SYS(renameat), SCMP_SYS(renameat2), SCMP_SYS(fchownat),
	SCMP_SYS(fchmodat), SCMP_SYS(utimensat), SCMP_SYS(faccessat),
	SCMP_SYS(faccessat2), SCMP_SYS(ftruncate), SCMP_SYS(fallocate),
	SCMP_SYS(copy_file_range), SCMP_SYS(fsync), SCMP_SYS(fdatasync),
	SCMP_SYS(syncfs), SCMP_SYS(fcntl), SCMP_SYS(flock), SCMP_SYS(dup),
	SCMP_SYS(name_to_handle_at), SCMP_SYS(open_by_handle_at),
	SCMP_SYS(getxattr), SCMP_SYS(setxattr), SCMP_SYS(listxattr),
	SCMP_SYS(removexattr),
	/* the driver acting for the guest's users, thread by thread */
	SCMP_SYS(setresuid), SCMP_SYS(setresgid), SCMP_SYS(setgroups),
};

/* glibc sends to /dev/log, and connects again after a send fails
   (syslogd restarted). */
static const int for_syslog[] = {
	SCMP_SYS(sendto), SCMP_SYS(socket), SCMP_SYS(connect),
};

static const char *action_name(enum syscall_filter f)
{
	return f == FILTER_LOG ? "log" : f == FILTER_TRAP ? "trap" : "kill";
}

static uint32_t action(enum syscall_filter f)
{
	return f == FILTER_LOG ? SCMP_ACT_LOG :
	       f == FILTER_TRAP ? SCMP_ACT_TRAP : SCMP_ACT_KILL_PROCESS;
}

static int add_all(scmp_filter_ctx ctx, const int *nrs, size_t n)
{
	int err = 0;

	for (size_t i = 0; i < n && !err; i++)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nrs[i], 0);
	return err;
}

static int build(scmp_filter_ctx ctx, const struct args *a)
{
	int err = add_all(ctx, allowed, N_ELEM(allowed));

	/* A working directory of its own for each thread serving xattrs,
	   in /proc/self/fd (the driver's xattr.c): unshare(CLONE_FS) only. */
	if (!err && a->pt.xattr)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(unshare), 1,
				       SCMP_A0(SCMP_CMP_EQ, CLONE_FS));
	if (!err && a->pt.xattr)
		err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(fchdir), 0);

	if (!err && a->syslog)
		err = add_all(ctx, for_syslog, N_ELEM(for_syslog));
	/* Every thread, should one exist already. */
	if (!err)
		err = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	/* Have the kernel log trap too, as it logs kill by itself. */
	if (!err)
		err = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_LOG, 1);
	return err ? err : seccomp_load(ctx);
}

int seccomp_apply(const struct args *a)
{
	scmp_filter_ctx ctx;
	int err;

	if (a->seccomp == FILTER_NONE)
		return 0;
	ctx = seccomp_init(action(a->seccomp));
	err = ctx ? build(ctx, a) : -ENOMEM;
	seccomp_release(ctx);
	if (err) {
		errmsg("cannot load the seccomp filter (--seccomp %s): %s",
		       action_name(a->seccomp), strerror(-err));
		return -1;
	}
	return 0;
}
