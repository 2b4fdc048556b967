/*
 * The mount options the tools that mount share (fbr-mount, fbr-trace
 * record): the generic flags mount(8) knows, FUSE's own (allow_other,
 * default_permissions, auto_unmount, fsname=, subtype=, max_read=) and
 * those meant for mount(8) and fstab alone, accepted and ignored.
 */
#ifndef FBR_TOOLS_MOUNTOPTS_H
#define FBR_TOOLS_MOUNTOPTS_H

#include "fbr/fusedev.h"

/* Their names, for a tool's --help. */
#define MOUNTOPTS_HELP \
	" ro, rw, nosuid, suid, nodev, dev, noexec, exec, noatime, atime,\n" \
	" nodiratime, diratime, relatime, norelatime, strictatime, lazytime,\n" \
	" sync, async, dirsync, allow_other, default_permissions,\n" \
	" auto_unmount, fsname=, subtype=, max_read=\n"

/*
 * opt, one option of a -o list (its value, if any, is pointed to, not
 * copied): 1 if it is one of these, set in m; 0 if it is not; -1 after a
 * usage error for a bad value.
 */
int mountopt_set(struct fbr_mount_opts *m, const char *opt);

#endif
