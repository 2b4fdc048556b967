/*
 * Symbolic names for protocol values: errnos, and the flag sets of the
 * FUSE messages, for logs and for the trace decoder.
 */
#ifndef FBR_PROTOCOL_NAMES_H
#define FBR_PROTOCOL_NAMES_H

#include <stdint.h>

#include "protocol/emit.h"

/* "ENOENT" for 2 (or -2); NULL when unknown. */
const char *fbr_errno_name(int err);
/* The errno called name ("ENOENT" → 2), or 0. */
int fbr_errno_value(const char *name);

extern const struct fbr_flagname fbr_init_flags[];
extern const struct fbr_flagname fbr_open_flags[];     /* O_* */
extern const struct fbr_flagname fbr_fopen_flags[];    /* FOPEN_* */
extern const struct fbr_flagname fbr_setattr_valid[];  /* FATTR_* */
extern const struct fbr_flagname fbr_rename_flags[];
extern const struct fbr_flagname fbr_access_mask[];
extern const struct fbr_flagname fbr_fallocate_mode[];
extern const struct fbr_flagname fbr_xattr_flags[];
extern const struct fbr_flagname fbr_release_flags[];
extern const struct fbr_flagname fbr_write_flags[];
extern const struct fbr_flagname fbr_getattr_flags[];
extern const struct fbr_flagname fbr_attr_flags[];
extern const struct fbr_flagname fbr_ioctl_flags[];

/* Lock types and lseek whence, by value. */
const char *fbr_lock_type_name(uint32_t type);
const char *fbr_whence_name(uint32_t whence);
const char *fbr_notify_name(int code);

#endif
