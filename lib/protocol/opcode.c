/*
 * The opcode table for protocol 7.27..7.45.
 */
#include <stddef.h>

#include "fbr/fuse_abi.h"
#include "protocol/opcode.h"

#define FIXED(op, type, n, fl, v) \
	[FUSE_##op] = { #op, sizeof(type), n, FBR_TAIL_NONE, 0, 0, fl, v }
#define BARE(op, n, fl, v) \
	[FUSE_##op] = { #op, 0, n, FBR_TAIL_NONE, 0, 0, fl, v }
#define SIZED(op, type, field, n, v) \
	[FUSE_##op] = { #op, sizeof(type), n, FBR_TAIL_SIZED, \
			offsetof(type, field), 0, 0, v }
#define ARRAY(op, type, field, elem, fl, v) \
	[FUSE_##op] = { #op, sizeof(type), 0, FBR_TAIL_ARRAY, \
			offsetof(type, field), sizeof(elem), fl, v }

static const struct fbr_opdesc table[FUSE_OPCODE_MAX + 1] = {
	BARE(LOOKUP, 1, 0, 0),
	FIXED(FORGET, struct fuse_forget_in, 0, FBR_OP_NOREPLY, 0),
	FIXED(GETATTR, struct fuse_getattr_in, 0, 0, 0),
	FIXED(SETATTR, struct fuse_setattr_in, 0, 0, 0),
	BARE(READLINK, 0, 0, 0),
	BARE(SYMLINK, 2, FBR_OP_CREATES, 0),
	FIXED(MKNOD, struct fuse_mknod_in, 1, FBR_OP_CREATES, 0),
	FIXED(MKDIR, struct fuse_mkdir_in, 1, FBR_OP_CREATES, 0),
	BARE(UNLINK, 1, 0, 0),
	BARE(RMDIR, 1, 0, 0),
	FIXED(RENAME, struct fuse_rename_in, 2, 0, 0),
	FIXED(LINK, struct fuse_link_in, 1, 0, 0),
	FIXED(OPEN, struct fuse_open_in, 0, 0, 0),
	FIXED(READ, struct fuse_read_in, 0, 0, 0),
	SIZED(WRITE, struct fuse_write_in, size, 0, 0),
	BARE(STATFS, 0, 0, 0),
	FIXED(RELEASE, struct fuse_release_in, 0, 0, 0),
	FIXED(FSYNC, struct fuse_fsync_in, 0, 0, 0),
	SIZED(SETXATTR, struct fuse_setxattr_in, size, 1, 0),
	FIXED(GETXATTR, struct fuse_getxattr_in, 1, 0, 0),
	FIXED(LISTXATTR, struct fuse_getxattr_in, 0, 0, 0),
	BARE(REMOVEXATTR, 1, 0, 0),
	FIXED(FLUSH, struct fuse_flush_in, 0, 0, 0),
	FIXED(INIT, struct fuse_init_in, 0, 0, 0),
	FIXED(OPENDIR, struct fuse_open_in, 0, 0, 0),
	FIXED(READDIR, struct fuse_read_in, 0, 0, 0),
	FIXED(RELEASEDIR, struct fuse_release_in, 0, 0, 0),
	FIXED(FSYNCDIR, struct fuse_fsync_in, 0, 0, 0),
	FIXED(GETLK, struct fuse_lk_in, 0, 0, 0),
	FIXED(SETLK, struct fuse_lk_in, 0, 0, 0),
	FIXED(SETLKW, struct fuse_lk_in, 0, 0, 0),
	FIXED(ACCESS, struct fuse_access_in, 0, 0, 0),
	FIXED(CREATE, struct fuse_create_in, 1, FBR_OP_CREATES, 0),
	FIXED(INTERRUPT, struct fuse_interrupt_in, 0, FBR_OP_NOREPLY, 0),
	FIXED(BMAP, struct fuse_bmap_in, 0, 0, 0),
	BARE(DESTROY, 0, 0, 0),
	SIZED(IOCTL, struct fuse_ioctl_in, in_size, 0, 0),
	FIXED(POLL, struct fuse_poll_in, 0, 0, 0),
	[FUSE_NOTIFY_REPLY] = { "NOTIFY_REPLY", sizeof(struct fuse_notify_retrieve_in),
				0, FBR_TAIL_SIZED,
				offsetof(struct fuse_notify_retrieve_in, size),
				0, FBR_OP_NOREPLY, 0 },
	ARRAY(BATCH_FORGET, struct fuse_batch_forget_in, count,
	      struct fuse_forget_one, FBR_OP_NOREPLY, 0),
	FIXED(FALLOCATE, struct fuse_fallocate_in, 0, 0, 0),
	FIXED(READDIRPLUS, struct fuse_read_in, 0, 0, 0),
	FIXED(RENAME2, struct fuse_rename2_in, 2, 0, 0),
	FIXED(LSEEK, struct fuse_lseek_in, 0, 0, 0),
	FIXED(COPY_FILE_RANGE, struct fuse_copy_file_range_in, 0, 0, 0),
	FIXED(SETUPMAPPING, struct fuse_setupmapping_in, 0, 0, 31),
	ARRAY(REMOVEMAPPING, struct fuse_removemapping_in, count,
	      struct fuse_removemapping_one, 0, 31),
	FIXED(SYNCFS, struct fuse_syncfs_in, 0, 0, 34),
	FIXED(TMPFILE, struct fuse_create_in, 1, FBR_OP_CREATES, 37),
	FIXED(STATX, struct fuse_statx_in, 0, 0, 39),
	FIXED(COPY_FILE_RANGE_64, struct fuse_copy_file_range_in, 0, 0, 45),
};

const struct fbr_opdesc *fbr_opdesc(uint32_t opcode)
{
	if (opcode > FUSE_OPCODE_MAX || !table[opcode].name)
		return NULL;
	return &table[opcode];
}

const char *fbr_opcode_name(uint32_t opcode)
{
	const struct fbr_opdesc *d = fbr_opdesc(opcode);

	return d ? d->name : NULL;
}
