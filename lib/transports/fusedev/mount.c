/*
 * Getting a FUSE connection: mount(2) with a fresh /dev/fuse fd when we
 * are root, fusermount3 otherwise (and for auto_unmount, which only the
 * helper can do), or an fd a caller mounted already, passed as the
 * mountpoint /dev/fd/N.  Unmounting is lazy, like the helper's -z: files
 * still open keep working, and the connection ends when the last closes.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "transports/fusedev/fusermount.h"
#include "fbr/log.h"

/* /dev/fuse is the misc device 10:229. */
#define FUSE_DEV_MAJOR 10
#define FUSE_DEV_MINOR 229

/* N of "/dev/fd/N" if it is an open /dev/fuse fd; -ENOENT: not that form. */
static int passed_fd(const char *mountpoint)
{
	const char *p = "/dev/fd/";
	struct stat st;
	char *end;
	long n;

	if (strncmp(mountpoint, p, strlen(p)) != 0)
		return -ENOENT;
	errno = 0;
	n = strtol(mountpoint + strlen(p), &end, 10);
	if (errno || *end || end == mountpoint + strlen(p) || n < 0 ||
	    n > INT_MAX)
		return -ENOENT;
	if (fstat((int)n, &st) < 0)
		return -errno;
	if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != FUSE_DEV_MAJOR ||
	    minor(st.st_rdev) != FUSE_DEV_MINOR)
		return -ENOTTY;
	/* Nothing we start later needs it. */
	fcntl((int)n, F_SETFD, FD_CLOEXEC);
	return (int)n;
}

static int kernel_options(char *buf, size_t size, int fd, mode_t rootmode,
			  const struct fbr_mount_opts *o)
{
	int n = snprintf(buf, size, "fd=%d,rootmode=%o,user_id=%u,group_id=%u%s%s",
			 fd, rootmode & S_IFMT, getuid(), getgid(),
			 o->allow_other ? ",allow_other" : "",
			 o->default_permissions ? ",default_permissions" : "");

	if (n >= 0 && o->max_read && (size_t)n < size)
		n += snprintf(buf + n, size - (size_t)n, ",max_read=%u",
			      o->max_read);
	return n < 0 || (size_t)n >= size ? -E2BIG : 0;
}

static int mount_direct(const char *mountpoint, const struct fbr_mount_opts *o,
			struct fbr_mount *m)
{
	char data[256], type[256];
	struct stat st;
	int fd, err;

	if (stat(mountpoint, &st) < 0)
		return -errno;
	if (o->subtype)
		snprintf(type, sizeof(type), "fuse.%s", o->subtype);
	else
		snprintf(type, sizeof(type), "fuse");
	fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	err = kernel_options(data, sizeof(data), fd, st.st_mode, o);
	if (!err && mount(o->fsname ? o->fsname : "fbr", mountpoint, type,
			  o->flags, data) < 0)
		err = -errno;
	if (err) {
		close(fd);
		return err;
	}
	fbr_debug("fusedev", "mounted %s type %s with %s", mountpoint, type, data);
	m->fd = fd;
	return 0;
}

int fbr_mount(const char *mountpoint, const struct fbr_mount_opts *o,
	      struct fbr_mount *m)
{
	int fd = passed_fd(mountpoint);
	int err;

	*m = (struct fbr_mount){ .fd = -1, .commfd = -1 };
	if (fd != -ENOENT) {
		m->fd = fd;
		return fd < 0 ? fd : 0;
	}
	/* Absolute, so unmounting works from wherever we are by then. */
	m->mountpoint = realpath(mountpoint, NULL);
	if (!m->mountpoint)
		return -errno;
	if (geteuid() == 0 && !o->auto_unmount) {
		err = mount_direct(m->mountpoint, o, m);
	} else {
		m->by_helper = geteuid() != 0;
		err = fbr_fusermount_mount(m->mountpoint, o, m);
	}
	if (err) {
		free(m->mountpoint);
		m->mountpoint = NULL;
	}
	return err;
}

int fbr_unmount(struct fbr_mount *m)
{
	if (!m->mountpoint)
		return 0; /* a passed fd: whoever mounted it unmounts */
	if (m->by_helper)
		return fbr_fusermount_unmount(m->mountpoint);
	if (umount2(m->mountpoint, MNT_DETACH | UMOUNT_NOFOLLOW) < 0)
		return -errno;
	return 0;
}

void fbr_mount_release(struct fbr_mount *m)
{
	if (m->fd >= 0)
		close(m->fd);
	if (m->commfd >= 0)
		close(m->commfd);
	free(m->mountpoint);
	*m = (struct fbr_mount){ .fd = -1, .commfd = -1 };
}
