/*
 * Going to the background the way a mount command should: the parent
 * waits until the filesystem answers (the child has replied to the
 * kernel's INIT) and only then exits 0, so whatever runs next, a script
 * or mount(8), finds the mount working.  If the child fails first, its
 * message is already on the shared stderr and the parent exits with the
 * child's status.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fbr-mount.h"

/* What the parent exits with once the child is gone without a word. */
static int child_status(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return EXIT_FAIL;
	if (WIFEXITED(st) && WEXITSTATUS(st) != EXIT_OK)
		return WEXITSTATUS(st);
	return EXIT_FAIL;
}

static void parent(pid_t pid, int fd)
{
	ssize_t n;
	char c;

	do
		n = read(fd, &c, 1);
	while (n < 0 && errno == EINTR);
	exit(n == 1 ? EXIT_OK : child_status(pid));
}

/* Returns 0 in the child with *ready_fd set; the parent never returns. */
int daemon_fork(int *ready_fd)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		close(p[1]);
		parent(pid, p[0]);
	}
	close(p[0]);
	setsid();
	*ready_fd = p[1];
	return 0;
}

/* The mount works: release the parent and leave the terminal. */
void daemon_ready(int ready_fd)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	cli_syslog();
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		if (null > STDERR_FILENO)
			close(null);
	}
	/* Not to keep whatever directory we were started in busy. */
	if (chdir("/") < 0)
		errmsg("cannot change directory to /: %m");
	if (write(ready_fd, "", 1) < 0)
		errmsg("cannot tell the parent we are ready");
	close(ready_fd);
}
