/*
 * lock-wait FILE: in the guest of tests/bats/faults.bats (busybox has no
 * flock), take a POSIX write lock on all of FILE through virtio-fs,
 * waiting for it (F_SETLKW) as long as it takes.  Built static.  Exit 0
 * once locked, or 1 saying what failed.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	int fd;

	if (argc != 2)
		return 2;
	fd = open(argv[1], O_RDWR);
	if (fd < 0 || fcntl(fd, F_SETLKW, &fl) < 0) {
		printf("lock-wait: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	puts("lock-wait: locked");
	return 0;
}
