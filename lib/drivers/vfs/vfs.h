/*
 * The vfs driver: several drivers under one mount.  A read-only pseudo
 * tree made of the mount paths holds them: with backends at /a and /b/c,
 * the root lists a and b, b lists c, and a and b/c are the roots of their
 * backends.  Every request goes to the backend that owns its nodeid.
 *
 * Nodeids and inode numbers stay unique across backends: the top 8 bits
 * name the backend (0: the pseudo tree), the low 56 bits are the
 * backend's own.  A rename or link between two backends is EXDEV; any
 * change to a pseudo directory is EROFS.
 */
#ifndef FBR_DRIVERS_VFS_H
#define FBR_DRIVERS_VFS_H

#include <stddef.h>

#include "fbr/driver.h"

#define FBR_VFS_MAX 127 /* backends under one mount */

/* An empty vfs: 0 and drv filled, or -ENOMEM. */
int fbr_vfs_new(struct fbr_driver *drv);
/*
 * Serve backend at path, before INIT.  The vfs does not own the backend:
 * free it after the vfs.  Returns 0, or: -EINVAL path is not absolute, is
 * "/", or has a "." or ".." or too long a name; -EEXIST path is taken;
 * -EBUSY path lies inside another mount path or holds one; -E2BIG more
 * than FBR_VFS_MAX backends; -ENOMEM.
 */
int fbr_vfs_add(struct fbr_driver *vfs, const char *path,
		const struct fbr_driver *backend);
/*
 * Check paths as fbr_vfs_add() would take them, in order, before any
 * backend exists: 0, or its error with *bad the index of the path.
 */
int fbr_vfs_check(const char *const *paths, size_t n, size_t *bad);
void fbr_vfs_free(struct fbr_driver *drv);

#endif
