/*
 * xattr-probe FILE: in the guest of tests/bats/virtiofs.bats (busybox has
 * no setfattr), set, read back, list and remove extended attributes of
 * FILE through virtio-fs; leaves user.fbr=guest for the host to check.
 * Built static.  Exit 0, or 1 saying what failed.
 */
#define _GNU_SOURCE 1 /* memmem */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/xattr.h>

static int fail(const char *what)
{
	printf("xattr-probe: %s: %s\n", what, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	char buf[256];
	ssize_t n;

	if (argc != 2)
		return 2;
	if (setxattr(argv[1], "user.fbr", "guest", 5, 0) < 0)
		return fail("setxattr");
	n = getxattr(argv[1], "user.fbr", buf, sizeof(buf));
	if (n != 5 || memcmp(buf, "guest", 5))
		return fail("getxattr");
	if (setxattr(argv[1], "user.gone", "x", 1, XATTR_CREATE) < 0)
		return fail("setxattr XATTR_CREATE");
	n = listxattr(argv[1], buf, sizeof(buf));
	if (n < 0 || !memmem(buf, (size_t)n, "user.gone", 10))
		return fail("listxattr");
	if (removexattr(argv[1], "user.gone") < 0)
		return fail("removexattr");
	if (getxattr(argv[1], "user.gone", buf, sizeof(buf)) >= 0 || errno != ENODATA)
		return fail("getxattr after removexattr");
	return 0;
}
