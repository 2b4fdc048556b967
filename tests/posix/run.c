/*
 * The calls of fbr-posix, made in the child under the case's identity;
 * each returns 0 or the errno.  Arguments: a1 the path (symlink: the
 * target), a2 the second path (symlink: the link; posix_fallocate: the
 * offset), n1 the mode, size, flags, uid or time spec, n2 the open flags
 * of the fd-based calls, the creation mode, the gid or the device.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "tests/posix/posix.h"

static int rc(int r)
{
	return r == 0 ? 0 : errno;
}

/* utimensat's times: n1 picks the pair, see the tables in cases-attr.c. */
static int utimens(const struct pcase *c)
{
	static const struct timespec sets[][2] = {
		{ { 0, 0 }, { 0, 0 } },
		{ { 1234567890, 500000000 }, { 1300000000, 250000000 } },
		{ { 0, UTIME_NOW }, { 0, UTIME_NOW } },
		{ { 0, UTIME_OMIT }, { 0, UTIME_OMIT } },
		{ { 1234567890, 500000000 }, { 0, UTIME_OMIT } },
		{ { 0, UTIME_NOW }, { 1300000000, 250000000 } },
		{ { 0, 1000000000 }, { 0, 0 } },
	};

	return rc(utimensat(AT_FDCWD, c->a1, c->n1 ? sets[c->n1] : NULL,
			    (int)c->n2));
}

/* Calls on a descriptor: open with flags n2, then the call. */
static int on_fd(const struct pcase *c)
{
	int fd = open(c->a1, (int)c->n2 | O_NONBLOCK), e = 0;

	if (fd < 0)
		return errno;
	if (c->op == OP_FTRUNCATE)
		e = rc(ftruncate(fd, c->n1));
	else if (c->op == OP_FALLOCATE)
		e = posix_fallocate(fd, c->a2 ? atoll(c->a2) : 0, c->n1);
	else if (write(fd, "x", 1) != 1)
		e = errno;
	close(fd);
	return e;
}

static int open_close(const struct pcase *c)
{
	int fd = open(c->a1, (int)c->n1, (mode_t)c->n2);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

int do_op(const struct pcase *c)
{
	const char *p = c->a1, *q = c->a2;

	switch (c->op) {
	case OP_CHMOD: return rc(chmod(p, c->n1));
	case OP_LCHMOD:
		return rc(fchmodat(AT_FDCWD, p, c->n1, AT_SYMLINK_NOFOLLOW));
	case OP_CHOWN: return rc(chown(p, c->n1, c->n2));
	case OP_LCHOWN: return rc(lchown(p, c->n1, c->n2));
	case OP_LINK: return rc(link(p, q));
	case OP_MKDIR: return rc(mkdir(p, c->n1));
	case OP_MKFIFO: return rc(mkfifo(p, c->n1));
	case OP_MKNOD:
		return rc(mknod(p, c->n1, makedev(c->n2 >> 8, c->n2 & 0xff)));
	case OP_OPEN: return open_close(c);
	case OP_RENAME: return rc(rename(p, q));
	case OP_RMDIR: return rc(rmdir(p));
	case OP_SYMLINK: return rc(symlink(p, q));
	case OP_TRUNCATE: return rc(truncate(p, c->n1));
	case OP_UNLINK: return rc(unlink(p));
	case OP_UTIMENS: return utimens(c);
	case OP_OPENW: case OP_FTRUNCATE: case OP_FALLOCATE: return on_fd(c);
	}
	return EINVAL;
}
