/*
 * The fusermount3 helper, for mounts an ordinary user may make and for
 * auto_unmount.  Private to the /dev/fuse transport.
 */
#ifndef FBR_TRANSPORTS_FUSEDEV_FUSERMOUNT_H
#define FBR_TRANSPORTS_FUSEDEV_FUSERMOUNT_H

#include "fbr/fusedev.h"

/* Mount through fusermount3; fills m->fd, and m->commfd for auto_unmount. */
int fbr_fusermount_mount(const char *mountpoint, const struct fbr_mount_opts *o,
			 struct fbr_mount *m);
/* fusermount3 -u -z: a lazy unmount the helper checks we may do. */
int fbr_fusermount_unmount(const char *mountpoint);

#endif
