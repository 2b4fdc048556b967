/*
 * The names tests/unit/test-abi compares between fbr's lib/include/fbr/fuse_abi.h,
 * the system's <linux/fuse.h> and the running kernel's BTF, as X-macro
 * lists: ABI_S(struct) for a size, ABI_F(struct, field) for a field's offset
 * and size, ABI_V(struct, field) for a flexible array's offset, ABI_C(name)
 * for an enum or #define constant.  Each of abi-ours.c, abi-sys.c and
 * abi-btf.c includes one of the three headers, then this file, and turns
 * the lists into tables of {name, value}; the tables line up entry by entry.
 * The lists are split by the protocol minor (group) that brought them, so a
 * reference too old for a group skips it.  Only standard C types appear
 * here: abi-btf.c sees nothing but the kernel's own type definitions.
 */
#ifndef FBR_TESTS_ABI_FIELDS_H
#define FBR_TESTS_ABI_FIELDS_H

struct abi_entry {
	const char *name; /* NULL ends a table */
	long long value;
};

/* v is NULL when there is nothing to compare; missing then says why. */
struct abi_table {
	const struct abi_entry *v;
	const char *missing;
};

struct abi_group {
	struct abi_table structs, enums, defines;
};

/* The groups: their ids, and the names the test prints. */
#define ABI_GROUP_LIST(X)                                   \
	X(738, "7.38")                                      \
	X(SUPP, "7.38 supplementary groups")                \
	X(739, "7.39 statx")                                \
	X(740, "7.40 passthrough, resend")                  \
	X(741, "7.41 idmap")                                \
	X(742, "7.42 io_uring")                             \
	X(743, "7.43 request timeout")                      \
	X(744, "7.44 epoch")                                \
	X(745, "7.45 prune, copy_file_range_64")

#define ABI_GROUP_ID(id, name) ABI_G##id,
enum { ABI_GROUP_LIST(ABI_GROUP_ID) ABI_NGROUPS };
#undef ABI_GROUP_ID

/* One per header; indexed by ABI_G*. */
extern const struct abi_group abi_ours[ABI_NGROUPS];
extern const struct abi_group abi_sys[ABI_NGROUPS];
extern const struct abi_group abi_btf[ABI_NGROUPS];

/* The entries; each expands to one or two initializers. */
#define ABI_S(s) { "sizeof(struct " #s ")", (long long)sizeof(struct s) },
#define ABI_V(s, f)                                                   \
	{ "offsetof(struct " #s ", " #f ")",                          \
	  (long long)__builtin_offsetof(struct s, f) },
#define ABI_F(s, f)                                                   \
	ABI_V(s, f)                                                   \
	{ "sizeof(struct " #s "." #f ")",                             \
	  (long long)sizeof(((struct s *)0)->f) },
#define ABI_C(c) { #c, (long long)(c) },
/* <linux/fuse.h> writes bit 31 as (1 << 31), a negative int. */
#define ABI_U32(c) { "(uint32_t)" #c, (long long)(unsigned int)(c) },

#define ABI_TABLE(list) { (const struct abi_entry[]){ list { 0, 0 } }, 0 }
#define ABI_MISSING(why) { 0, why }
#define ABI_NONE ABI_MISSING(0)
#define ABI_GROUP(g)                                                  \
	{ ABI_TABLE(ABI_##g##_STRUCTS), ABI_TABLE(ABI_##g##_ENUMS),   \
	  ABI_TABLE(ABI_##g##_DEFINES) }
#define ABI_GROUP_MISSING(why)                                        \
	{ ABI_MISSING(why), ABI_MISSING(why), ABI_MISSING(why) }

/*
 * 7.38, all that the system's <linux/fuse.h> (Debian 12) holds.  Fields
 * later kernels renamed (fuse_open_out.padding, fuse_init_out.unused) are
 * in the group that renamed them.
 */
#define ABI_738_STRUCTS                                                  \
	ABI_S(fuse_attr)                                                 \
	ABI_F(fuse_attr, ino) ABI_F(fuse_attr, size)                     \
	ABI_F(fuse_attr, blocks) ABI_F(fuse_attr, atime)                 \
	ABI_F(fuse_attr, mtime) ABI_F(fuse_attr, ctime)                  \
	ABI_F(fuse_attr, atimensec) ABI_F(fuse_attr, mtimensec)          \
	ABI_F(fuse_attr, ctimensec) ABI_F(fuse_attr, mode)               \
	ABI_F(fuse_attr, nlink) ABI_F(fuse_attr, uid)                    \
	ABI_F(fuse_attr, gid) ABI_F(fuse_attr, rdev)                     \
	ABI_F(fuse_attr, blksize) ABI_F(fuse_attr, flags)                \
	ABI_S(fuse_kstatfs)                                              \
	ABI_F(fuse_kstatfs, blocks) ABI_F(fuse_kstatfs, bfree)           \
	ABI_F(fuse_kstatfs, bavail) ABI_F(fuse_kstatfs, files)           \
	ABI_F(fuse_kstatfs, ffree) ABI_F(fuse_kstatfs, bsize)            \
	ABI_F(fuse_kstatfs, namelen) ABI_F(fuse_kstatfs, frsize)         \
	ABI_F(fuse_kstatfs, padding) ABI_F(fuse_kstatfs, spare)          \
	ABI_S(fuse_file_lock)                                            \
	ABI_F(fuse_file_lock, start) ABI_F(fuse_file_lock, end)          \
	ABI_F(fuse_file_lock, type) ABI_F(fuse_file_lock, pid)           \
	ABI_S(fuse_entry_out)                                            \
	ABI_F(fuse_entry_out, nodeid) ABI_F(fuse_entry_out, generation)  \
	ABI_F(fuse_entry_out, entry_valid)                               \
	ABI_F(fuse_entry_out, attr_valid)                                \
	ABI_F(fuse_entry_out, entry_valid_nsec)                          \
	ABI_F(fuse_entry_out, attr_valid_nsec)                           \
	ABI_F(fuse_entry_out, attr)                                      \
	ABI_S(fuse_forget_in) ABI_F(fuse_forget_in, nlookup)             \
	ABI_S(fuse_forget_one)                                           \
	ABI_F(fuse_forget_one, nodeid) ABI_F(fuse_forget_one, nlookup)   \
	ABI_S(fuse_batch_forget_in)                                      \
	ABI_F(fuse_batch_forget_in, count)                               \
	ABI_F(fuse_batch_forget_in, dummy)                               \
	ABI_S(fuse_getattr_in)                                           \
	ABI_F(fuse_getattr_in, getattr_flags)                            \
	ABI_F(fuse_getattr_in, dummy) ABI_F(fuse_getattr_in, fh)         \
	ABI_S(fuse_attr_out)                                             \
	ABI_F(fuse_attr_out, attr_valid)                                 \
	ABI_F(fuse_attr_out, attr_valid_nsec)                            \
	ABI_F(fuse_attr_out, dummy) ABI_F(fuse_attr_out, attr)           \
	ABI_S(fuse_mknod_in)                                             \
	ABI_F(fuse_mknod_in, mode) ABI_F(fuse_mknod_in, rdev)            \
	ABI_F(fuse_mknod_in, umask) ABI_F(fuse_mknod_in, padding)        \
	ABI_S(fuse_mkdir_in)                                             \
	ABI_F(fuse_mkdir_in, mode) ABI_F(fuse_mkdir_in, umask)           \
	ABI_S(fuse_rename_in) ABI_F(fuse_rename_in, newdir)              \
	ABI_S(fuse_rename2_in)                                           \
	ABI_F(fuse_rename2_in, newdir) ABI_F(fuse_rename2_in, flags)     \
	ABI_F(fuse_rename2_in, padding)                                  \
	ABI_S(fuse_link_in) ABI_F(fuse_link_in, oldnodeid)               \
	ABI_S(fuse_setattr_in)                                           \
	ABI_F(fuse_setattr_in, valid) ABI_F(fuse_setattr_in, padding)    \
	ABI_F(fuse_setattr_in, fh) ABI_F(fuse_setattr_in, size)          \
	ABI_F(fuse_setattr_in, lock_owner)                               \
	ABI_F(fuse_setattr_in, atime) ABI_F(fuse_setattr_in, mtime)      \
	ABI_F(fuse_setattr_in, ctime)                                    \
	ABI_F(fuse_setattr_in, atimensec)                                \
	ABI_F(fuse_setattr_in, mtimensec)                                \
	ABI_F(fuse_setattr_in, ctimensec)                                \
	ABI_F(fuse_setattr_in, mode) ABI_F(fuse_setattr_in, unused4)     \
	ABI_F(fuse_setattr_in, uid) ABI_F(fuse_setattr_in, gid)          \
	ABI_F(fuse_setattr_in, unused5)                                  \
	ABI_S(fuse_open_in)                                              \
	ABI_F(fuse_open_in, flags) ABI_F(fuse_open_in, open_flags)       \
	ABI_S(fuse_create_in)                                            \
	ABI_F(fuse_create_in, flags) ABI_F(fuse_create_in, mode)         \
	ABI_F(fuse_create_in, umask) ABI_F(fuse_create_in, open_flags)   \
	ABI_S(fuse_open_out)                                             \
	ABI_F(fuse_open_out, fh) ABI_F(fuse_open_out, open_flags)        \
	ABI_S(fuse_release_in)                                           \
	ABI_F(fuse_release_in, fh) ABI_F(fuse_release_in, flags)         \
	ABI_F(fuse_release_in, release_flags)                            \
	ABI_F(fuse_release_in, lock_owner)                               \
	ABI_S(fuse_flush_in)                                             \
	ABI_F(fuse_flush_in, fh) ABI_F(fuse_flush_in, unused)            \
	ABI_F(fuse_flush_in, padding) ABI_F(fuse_flush_in, lock_owner)   \
	ABI_S(fuse_read_in)                                              \
	ABI_F(fuse_read_in, fh) ABI_F(fuse_read_in, offset)              \
	ABI_F(fuse_read_in, size) ABI_F(fuse_read_in, read_flags)        \
	ABI_F(fuse_read_in, lock_owner) ABI_F(fuse_read_in, flags)       \
	ABI_F(fuse_read_in, padding)                                     \
	ABI_S(fuse_write_in)                                             \
	ABI_F(fuse_write_in, fh) ABI_F(fuse_write_in, offset)            \
	ABI_F(fuse_write_in, size) ABI_F(fuse_write_in, write_flags)     \
	ABI_F(fuse_write_in, lock_owner) ABI_F(fuse_write_in, flags)     \
	ABI_F(fuse_write_in, padding)                                    \
	ABI_S(fuse_write_out)                                            \
	ABI_F(fuse_write_out, size) ABI_F(fuse_write_out, padding)       \
	ABI_S(fuse_statfs_out) ABI_F(fuse_statfs_out, st)                \
	ABI_S(fuse_fsync_in)                                             \
	ABI_F(fuse_fsync_in, fh) ABI_F(fuse_fsync_in, fsync_flags)       \
	ABI_F(fuse_fsync_in, padding)                                    \
	ABI_S(fuse_setxattr_in)                                          \
	ABI_F(fuse_setxattr_in, size) ABI_F(fuse_setxattr_in, flags)     \
	ABI_F(fuse_setxattr_in, setxattr_flags)                          \
	ABI_F(fuse_setxattr_in, padding)                                 \
	ABI_S(fuse_getxattr_in)                                          \
	ABI_F(fuse_getxattr_in, size) ABI_F(fuse_getxattr_in, padding)   \
	ABI_S(fuse_getxattr_out)                                         \
	ABI_F(fuse_getxattr_out, size) ABI_F(fuse_getxattr_out, padding) \
	ABI_S(fuse_lk_in)                                                \
	ABI_F(fuse_lk_in, fh) ABI_F(fuse_lk_in, owner)                   \
	ABI_F(fuse_lk_in, lk) ABI_F(fuse_lk_in, lk_flags)                \
	ABI_F(fuse_lk_in, padding)                                       \
	ABI_S(fuse_lk_out) ABI_F(fuse_lk_out, lk)                        \
	ABI_S(fuse_access_in)                                            \
	ABI_F(fuse_access_in, mask) ABI_F(fuse_access_in, padding)       \
	ABI_S(fuse_init_in)                                              \
	ABI_F(fuse_init_in, major) ABI_F(fuse_init_in, minor)            \
	ABI_F(fuse_init_in, max_readahead) ABI_F(fuse_init_in, flags)    \
	ABI_F(fuse_init_in, flags2) ABI_F(fuse_init_in, unused)          \
	ABI_S(fuse_init_out)                                             \
	ABI_F(fuse_init_out, major) ABI_F(fuse_init_out, minor)          \
	ABI_F(fuse_init_out, max_readahead)                              \
	ABI_F(fuse_init_out, flags)                                      \
	ABI_F(fuse_init_out, max_background)                             \
	ABI_F(fuse_init_out, congestion_threshold)                       \
	ABI_F(fuse_init_out, max_write) ABI_F(fuse_init_out, time_gran)  \
	ABI_F(fuse_init_out, max_pages)                                  \
	ABI_F(fuse_init_out, map_alignment)                              \
	ABI_F(fuse_init_out, flags2)                                     \
	ABI_S(cuse_init_in)                                              \
	ABI_F(cuse_init_in, major) ABI_F(cuse_init_in, minor)            \
	ABI_F(cuse_init_in, unused) ABI_F(cuse_init_in, flags)           \
	ABI_S(cuse_init_out)                                             \
	ABI_F(cuse_init_out, major) ABI_F(cuse_init_out, minor)          \
	ABI_F(cuse_init_out, unused) ABI_F(cuse_init_out, flags)         \
	ABI_F(cuse_init_out, max_read) ABI_F(cuse_init_out, max_write)   \
	ABI_F(cuse_init_out, dev_major) ABI_F(cuse_init_out, dev_minor)  \
	ABI_F(cuse_init_out, spare)                                      \
	ABI_S(fuse_interrupt_in) ABI_F(fuse_interrupt_in, unique)        \
	ABI_S(fuse_bmap_in)                                              \
	ABI_F(fuse_bmap_in, block) ABI_F(fuse_bmap_in, blocksize)        \
	ABI_F(fuse_bmap_in, padding)                                     \
	ABI_S(fuse_bmap_out) ABI_F(fuse_bmap_out, block)                 \
	ABI_S(fuse_ioctl_in)                                             \
	ABI_F(fuse_ioctl_in, fh) ABI_F(fuse_ioctl_in, flags)             \
	ABI_F(fuse_ioctl_in, cmd) ABI_F(fuse_ioctl_in, arg)              \
	ABI_F(fuse_ioctl_in, in_size) ABI_F(fuse_ioctl_in, out_size)     \
	ABI_S(fuse_ioctl_iovec)                                          \
	ABI_F(fuse_ioctl_iovec, base) ABI_F(fuse_ioctl_iovec, len)       \
	ABI_S(fuse_ioctl_out)                                            \
	ABI_F(fuse_ioctl_out, result) ABI_F(fuse_ioctl_out, flags)       \
	ABI_F(fuse_ioctl_out, in_iovs) ABI_F(fuse_ioctl_out, out_iovs)   \
	ABI_S(fuse_poll_in)                                              \
	ABI_F(fuse_poll_in, fh) ABI_F(fuse_poll_in, kh)                  \
	ABI_F(fuse_poll_in, flags) ABI_F(fuse_poll_in, events)           \
	ABI_S(fuse_poll_out)                                             \
	ABI_F(fuse_poll_out, revents) ABI_F(fuse_poll_out, padding)      \
	ABI_S(fuse_notify_poll_wakeup_out)                               \
	ABI_F(fuse_notify_poll_wakeup_out, kh)                           \
	ABI_S(fuse_fallocate_in)                                         \
	ABI_F(fuse_fallocate_in, fh) ABI_F(fuse_fallocate_in, offset)    \
	ABI_F(fuse_fallocate_in, length) ABI_F(fuse_fallocate_in, mode)  \
	ABI_F(fuse_fallocate_in, padding)                                \
	ABI_S(fuse_in_header)                                            \
	ABI_F(fuse_in_header, len) ABI_F(fuse_in_header, opcode)         \
	ABI_F(fuse_in_header, unique) ABI_F(fuse_in_header, nodeid)      \
	ABI_F(fuse_in_header, uid) ABI_F(fuse_in_header, gid)            \
	ABI_F(fuse_in_header, pid) ABI_F(fuse_in_header, total_extlen)   \
	ABI_F(fuse_in_header, padding)                                   \
	ABI_S(fuse_out_header)                                           \
	ABI_F(fuse_out_header, len) ABI_F(fuse_out_header, error)        \
	ABI_F(fuse_out_header, unique)                                   \
	ABI_S(fuse_dirent)                                               \
	ABI_F(fuse_dirent, ino) ABI_F(fuse_dirent, off)                  \
	ABI_F(fuse_dirent, namelen) ABI_F(fuse_dirent, type)             \
	ABI_V(fuse_dirent, name)                                         \
	ABI_S(fuse_direntplus)                                           \
	ABI_F(fuse_direntplus, entry_out) ABI_F(fuse_direntplus, dirent) \
	ABI_V(fuse_direntplus, dirent.name)                              \
	ABI_S(fuse_notify_inval_inode_out)                               \
	ABI_F(fuse_notify_inval_inode_out, ino)                          \
	ABI_F(fuse_notify_inval_inode_out, off)                          \
	ABI_F(fuse_notify_inval_inode_out, len)                          \
	ABI_S(fuse_notify_inval_entry_out)                               \
	ABI_F(fuse_notify_inval_entry_out, parent)                       \
	ABI_F(fuse_notify_inval_entry_out, namelen)                      \
	ABI_F(fuse_notify_inval_entry_out, flags)                        \
	ABI_S(fuse_notify_delete_out)                                    \
	ABI_F(fuse_notify_delete_out, parent)                            \
	ABI_F(fuse_notify_delete_out, child)                             \
	ABI_F(fuse_notify_delete_out, namelen)                           \
	ABI_F(fuse_notify_delete_out, padding)                           \
	ABI_S(fuse_notify_store_out)                                     \
	ABI_F(fuse_notify_store_out, nodeid)                             \
	ABI_F(fuse_notify_store_out, offset)                             \
	ABI_F(fuse_notify_store_out, size)                               \
	ABI_F(fuse_notify_store_out, padding)                            \
	ABI_S(fuse_notify_retrieve_out)                                  \
	ABI_F(fuse_notify_retrieve_out, notify_unique)                   \
	ABI_F(fuse_notify_retrieve_out, nodeid)                          \
	ABI_F(fuse_notify_retrieve_out, offset)                          \
	ABI_F(fuse_notify_retrieve_out, size)                            \
	ABI_F(fuse_notify_retrieve_out, padding)                         \
	ABI_S(fuse_notify_retrieve_in)                                   \
	ABI_F(fuse_notify_retrieve_in, dummy1)                           \
	ABI_F(fuse_notify_retrieve_in, offset)                           \
	ABI_F(fuse_notify_retrieve_in, size)                             \
	ABI_F(fuse_notify_retrieve_in, dummy2)                           \
	ABI_F(fuse_notify_retrieve_in, dummy3)                           \
	ABI_F(fuse_notify_retrieve_in, dummy4)                           \
	ABI_S(fuse_lseek_in)                                             \
	ABI_F(fuse_lseek_in, fh) ABI_F(fuse_lseek_in, offset)            \
	ABI_F(fuse_lseek_in, whence) ABI_F(fuse_lseek_in, padding)       \
	ABI_S(fuse_lseek_out) ABI_F(fuse_lseek_out, offset)              \
	ABI_S(fuse_copy_file_range_in)                                   \
	ABI_F(fuse_copy_file_range_in, fh_in)                            \
	ABI_F(fuse_copy_file_range_in, off_in)                           \
	ABI_F(fuse_copy_file_range_in, nodeid_out)                       \
	ABI_F(fuse_copy_file_range_in, fh_out)                           \
	ABI_F(fuse_copy_file_range_in, off_out)                          \
	ABI_F(fuse_copy_file_range_in, len)                              \
	ABI_F(fuse_copy_file_range_in, flags)                            \
	ABI_S(fuse_setupmapping_in)                                      \
	ABI_F(fuse_setupmapping_in, fh)                                  \
	ABI_F(fuse_setupmapping_in, foffset)                             \
	ABI_F(fuse_setupmapping_in, len)                                 \
	ABI_F(fuse_setupmapping_in, flags)                               \
	ABI_F(fuse_setupmapping_in, moffset)                             \
	ABI_S(fuse_removemapping_in)                                     \
	ABI_F(fuse_removemapping_in, count)                              \
	ABI_S(fuse_removemapping_one)                                    \
	ABI_F(fuse_removemapping_one, moffset)                           \
	ABI_F(fuse_removemapping_one, len)                               \
	ABI_S(fuse_syncfs_in) ABI_F(fuse_syncfs_in, padding)             \
	ABI_S(fuse_secctx)                                               \
	ABI_F(fuse_secctx, size) ABI_F(fuse_secctx, padding)             \
	ABI_S(fuse_secctx_header)                                        \
	ABI_F(fuse_secctx_header, size)                                  \
	ABI_F(fuse_secctx_header, nr_secctx)                             \
	ABI_S(fuse_ext_header)                                           \
	ABI_F(fuse_ext_header, size) ABI_F(fuse_ext_header, type)

#define ABI_738_ENUMS                                                    \
	ABI_C(FUSE_LOOKUP) ABI_C(FUSE_FORGET) ABI_C(FUSE_GETATTR)        \
	ABI_C(FUSE_SETATTR) ABI_C(FUSE_READLINK) ABI_C(FUSE_SYMLINK)     \
	ABI_C(FUSE_MKNOD) ABI_C(FUSE_MKDIR) ABI_C(FUSE_UNLINK)           \
	ABI_C(FUSE_RMDIR) ABI_C(FUSE_RENAME) ABI_C(FUSE_LINK)            \
	ABI_C(FUSE_OPEN) ABI_C(FUSE_READ) ABI_C(FUSE_WRITE)              \
	ABI_C(FUSE_STATFS) ABI_C(FUSE_RELEASE) ABI_C(FUSE_FSYNC)         \
	ABI_C(FUSE_SETXATTR) ABI_C(FUSE_GETXATTR)                        \
	ABI_C(FUSE_LISTXATTR) ABI_C(FUSE_REMOVEXATTR)                    \
	ABI_C(FUSE_FLUSH) ABI_C(FUSE_INIT) ABI_C(FUSE_OPENDIR)           \
	ABI_C(FUSE_READDIR) ABI_C(FUSE_RELEASEDIR)                       \
	ABI_C(FUSE_FSYNCDIR) ABI_C(FUSE_GETLK) ABI_C(FUSE_SETLK)         \
	ABI_C(FUSE_SETLKW) ABI_C(FUSE_ACCESS) ABI_C(FUSE_CREATE)         \
	ABI_C(FUSE_INTERRUPT) ABI_C(FUSE_BMAP) ABI_C(FUSE_DESTROY)       \
	ABI_C(FUSE_IOCTL) ABI_C(FUSE_POLL) ABI_C(FUSE_NOTIFY_REPLY)      \
	ABI_C(FUSE_BATCH_FORGET) ABI_C(FUSE_FALLOCATE)                   \
	ABI_C(FUSE_READDIRPLUS) ABI_C(FUSE_RENAME2) ABI_C(FUSE_LSEEK)    \
	ABI_C(FUSE_COPY_FILE_RANGE) ABI_C(FUSE_SETUPMAPPING)             \
	ABI_C(FUSE_REMOVEMAPPING) ABI_C(FUSE_SYNCFS)                     \
	ABI_C(FUSE_TMPFILE)                                              \
	ABI_C(CUSE_INIT) ABI_C(CUSE_INIT_BSWAP_RESERVED)                 \
	ABI_C(FUSE_INIT_BSWAP_RESERVED)                                  \
	ABI_C(FUSE_NOTIFY_POLL) ABI_C(FUSE_NOTIFY_INVAL_INODE)           \
	ABI_C(FUSE_NOTIFY_INVAL_ENTRY) ABI_C(FUSE_NOTIFY_STORE)          \
	ABI_C(FUSE_NOTIFY_RETRIEVE) ABI_C(FUSE_NOTIFY_DELETE)            \
	ABI_C(FUSE_MAX_NR_SECCTX)

/*
 * Not listed: FUSE_KERNEL_MINOR_VERSION and FUSE_NOTIFY_CODE_MAX (they
 * follow the header's minor), FUSE_DIRENT_SIZE and FUSE_DIRENTPLUS_SIZE
 * (they take a pointer), FUSE_REMOVEMAPPING_MAX_ENTRY (needs PAGE_SIZE).
 */
#define ABI_738_DEFINES                                                  \
	ABI_C(FUSE_KERNEL_VERSION) ABI_C(FUSE_ROOT_ID)                   \
	ABI_C(FATTR_MODE) ABI_C(FATTR_UID) ABI_C(FATTR_GID)              \
	ABI_C(FATTR_SIZE) ABI_C(FATTR_ATIME) ABI_C(FATTR_MTIME)          \
	ABI_C(FATTR_FH) ABI_C(FATTR_ATIME_NOW) ABI_C(FATTR_MTIME_NOW)    \
	ABI_C(FATTR_LOCKOWNER) ABI_C(FATTR_CTIME)                        \
	ABI_C(FATTR_KILL_SUIDGID)                                        \
	ABI_C(FOPEN_DIRECT_IO) ABI_C(FOPEN_KEEP_CACHE)                   \
	ABI_C(FOPEN_NONSEEKABLE) ABI_C(FOPEN_CACHE_DIR)                  \
	ABI_C(FOPEN_STREAM) ABI_C(FOPEN_NOFLUSH)                         \
	ABI_C(FOPEN_PARALLEL_DIRECT_WRITES)                              \
	ABI_C(FUSE_ASYNC_READ) ABI_C(FUSE_POSIX_LOCKS)                   \
	ABI_C(FUSE_FILE_OPS) ABI_C(FUSE_ATOMIC_O_TRUNC)                  \
	ABI_C(FUSE_EXPORT_SUPPORT) ABI_C(FUSE_BIG_WRITES)                \
	ABI_C(FUSE_DONT_MASK) ABI_C(FUSE_SPLICE_WRITE)                   \
	ABI_C(FUSE_SPLICE_MOVE) ABI_C(FUSE_SPLICE_READ)                  \
	ABI_C(FUSE_FLOCK_LOCKS) ABI_C(FUSE_HAS_IOCTL_DIR)                \
	ABI_C(FUSE_AUTO_INVAL_DATA) ABI_C(FUSE_DO_READDIRPLUS)           \
	ABI_C(FUSE_READDIRPLUS_AUTO) ABI_C(FUSE_ASYNC_DIO)               \
	ABI_C(FUSE_WRITEBACK_CACHE) ABI_C(FUSE_NO_OPEN_SUPPORT)          \
	ABI_C(FUSE_PARALLEL_DIROPS) ABI_C(FUSE_HANDLE_KILLPRIV)          \
	ABI_C(FUSE_POSIX_ACL) ABI_C(FUSE_ABORT_ERROR)                    \
	ABI_C(FUSE_MAX_PAGES) ABI_C(FUSE_CACHE_SYMLINKS)                 \
	ABI_C(FUSE_NO_OPENDIR_SUPPORT) ABI_C(FUSE_EXPLICIT_INVAL_DATA)   \
	ABI_C(FUSE_MAP_ALIGNMENT) ABI_C(FUSE_SUBMOUNTS)                  \
	ABI_C(FUSE_HANDLE_KILLPRIV_V2) ABI_C(FUSE_SETXATTR_EXT)          \
	ABI_C(FUSE_INIT_EXT) ABI_U32(FUSE_INIT_RESERVED)                 \
	ABI_C(FUSE_SECURITY_CTX) ABI_C(FUSE_HAS_INODE_DAX)               \
	ABI_C(FUSE_HAS_EXPIRE_ONLY)                                      \
	ABI_C(CUSE_UNRESTRICTED_IOCTL)                                   \
	ABI_C(FUSE_RELEASE_FLUSH) ABI_C(FUSE_RELEASE_FLOCK_UNLOCK)       \
	ABI_C(FUSE_GETATTR_FH) ABI_C(FUSE_LK_FLOCK)                      \
	ABI_C(FUSE_WRITE_CACHE) ABI_C(FUSE_WRITE_LOCKOWNER)              \
	ABI_C(FUSE_WRITE_KILL_SUIDGID) ABI_C(FUSE_WRITE_KILL_PRIV)       \
	ABI_C(FUSE_READ_LOCKOWNER)                                       \
	ABI_C(FUSE_IOCTL_COMPAT) ABI_C(FUSE_IOCTL_UNRESTRICTED)          \
	ABI_C(FUSE_IOCTL_RETRY) ABI_C(FUSE_IOCTL_32BIT)                  \
	ABI_C(FUSE_IOCTL_DIR) ABI_C(FUSE_IOCTL_COMPAT_X32)               \
	ABI_C(FUSE_IOCTL_MAX_IOV)                                        \
	ABI_C(FUSE_POLL_SCHEDULE_NOTIFY) ABI_C(FUSE_FSYNC_FDATASYNC)     \
	ABI_C(FUSE_ATTR_SUBMOUNT) ABI_C(FUSE_ATTR_DAX)                   \
	ABI_C(FUSE_OPEN_KILL_SUIDGID)                                    \
	ABI_C(FUSE_SETXATTR_ACL_KILL_SGID) ABI_C(FUSE_EXPIRE_ONLY)       \
	ABI_C(FUSE_MIN_READ_BUFFER)                                      \
	ABI_C(FUSE_COMPAT_ENTRY_OUT_SIZE)                                \
	ABI_C(FUSE_COMPAT_ATTR_OUT_SIZE)                                 \
	ABI_C(FUSE_COMPAT_MKNOD_IN_SIZE)                                 \
	ABI_C(FUSE_COMPAT_WRITE_IN_SIZE) ABI_C(FUSE_COMPAT_STATFS_SIZE)  \
	ABI_C(FUSE_COMPAT_SETXATTR_IN_SIZE)                              \
	ABI_C(FUSE_COMPAT_INIT_OUT_SIZE)                                 \
	ABI_C(FUSE_COMPAT_22_INIT_OUT_SIZE) ABI_C(CUSE_INIT_INFO_MAX)    \
	ABI_C(FUSE_REC_ALIGN(0)) ABI_C(FUSE_REC_ALIGN(1))                \
	ABI_C(FUSE_REC_ALIGN(8)) ABI_C(FUSE_REC_ALIGN(29))               \
	ABI_C(FUSE_DIRENT_ALIGN(0)) ABI_C(FUSE_DIRENT_ALIGN(25))         \
	ABI_C(FUSE_DIRENT_ALIGN(32)) ABI_C(FUSE_NAME_OFFSET)             \
	ABI_C(FUSE_NAME_OFFSET_DIRENTPLUS)                               \
	ABI_C(FUSE_DEV_IOC_MAGIC) ABI_C(FUSE_DEV_IOC_CLONE)              \
	ABI_C(FUSE_SETUPMAPPING_FLAG_WRITE)                              \
	ABI_C(FUSE_SETUPMAPPING_FLAG_READ)

/* Upstream 7.38, missing from Debian 12's <linux/fuse.h>. */
#define ABI_SUPP_STRUCTS                                                 \
	ABI_S(fuse_supp_groups)                                          \
	ABI_F(fuse_supp_groups, nr_groups)                               \
	ABI_V(fuse_supp_groups, groups)
#define ABI_SUPP_ENUMS ABI_C(FUSE_EXT_GROUPS)
#define ABI_SUPP_DEFINES ABI_C(FUSE_CREATE_SUPP_GROUP)

#define ABI_739_STRUCTS                                                  \
	ABI_S(fuse_sx_time)                                              \
	ABI_F(fuse_sx_time, tv_sec) ABI_F(fuse_sx_time, tv_nsec)         \
	ABI_F(fuse_sx_time, __reserved)                                  \
	ABI_S(fuse_statx)                                                \
	ABI_F(fuse_statx, mask) ABI_F(fuse_statx, blksize)               \
	ABI_F(fuse_statx, attributes) ABI_F(fuse_statx, nlink)           \
	ABI_F(fuse_statx, uid) ABI_F(fuse_statx, gid)                    \
	ABI_F(fuse_statx, mode) ABI_F(fuse_statx, __spare0)              \
	ABI_F(fuse_statx, ino) ABI_F(fuse_statx, size)                   \
	ABI_F(fuse_statx, blocks) ABI_F(fuse_statx, attributes_mask)     \
	ABI_F(fuse_statx, atime) ABI_F(fuse_statx, btime)                \
	ABI_F(fuse_statx, ctime) ABI_F(fuse_statx, mtime)                \
	ABI_F(fuse_statx, rdev_major) ABI_F(fuse_statx, rdev_minor)      \
	ABI_F(fuse_statx, dev_major) ABI_F(fuse_statx, dev_minor)        \
	ABI_F(fuse_statx, __spare2)                                      \
	ABI_S(fuse_statx_in)                                             \
	ABI_F(fuse_statx_in, getattr_flags)                              \
	ABI_F(fuse_statx_in, reserved) ABI_F(fuse_statx_in, fh)          \
	ABI_F(fuse_statx_in, sx_flags) ABI_F(fuse_statx_in, sx_mask)     \
	ABI_S(fuse_statx_out)                                            \
	ABI_F(fuse_statx_out, attr_valid)                                \
	ABI_F(fuse_statx_out, attr_valid_nsec)                           \
	ABI_F(fuse_statx_out, flags) ABI_F(fuse_statx_out, spare)        \
	ABI_F(fuse_statx_out, stat)
#define ABI_739_ENUMS ABI_C(FUSE_STATX)
#define ABI_739_DEFINES ABI_C(FUSE_DIRECT_IO_ALLOW_MMAP)

#define ABI_740_STRUCTS                                                  \
	ABI_F(fuse_open_out, backing_id)                                 \
	ABI_F(fuse_init_out, max_stack_depth)                            \
	ABI_S(fuse_backing_map)                                          \
	ABI_F(fuse_backing_map, fd) ABI_F(fuse_backing_map, flags)       \
	ABI_F(fuse_backing_map, padding)
#define ABI_740_ENUMS ABI_C(FUSE_NOTIFY_RESEND)
#define ABI_740_DEFINES                                                  \
	ABI_C(FUSE_PASSTHROUGH) ABI_C(FUSE_NO_EXPORT_SUPPORT)            \
	ABI_C(FUSE_HAS_RESEND) ABI_C(FOPEN_PASSTHROUGH)                  \
	ABI_C(FUSE_UNIQUE_RESEND) ABI_C(FUSE_DEV_IOC_BACKING_OPEN)       \
	ABI_C(FUSE_DEV_IOC_BACKING_CLOSE)

#define ABI_741_STRUCTS
#define ABI_741_ENUMS
#define ABI_741_DEFINES ABI_C(FUSE_ALLOW_IDMAP)

/* fuse_uring_cmd_req.padding is left out: 7.46 takes part of it. */
#define ABI_742_STRUCTS                                                  \
	ABI_S(fuse_uring_ent_in_out)                                     \
	ABI_F(fuse_uring_ent_in_out, flags)                              \
	ABI_F(fuse_uring_ent_in_out, commit_id)                          \
	ABI_F(fuse_uring_ent_in_out, payload_sz)                         \
	ABI_F(fuse_uring_ent_in_out, padding)                            \
	ABI_F(fuse_uring_ent_in_out, reserved)                           \
	ABI_S(fuse_uring_req_header)                                     \
	ABI_F(fuse_uring_req_header, in_out)                             \
	ABI_F(fuse_uring_req_header, op_in)                              \
	ABI_F(fuse_uring_req_header, ring_ent_in_out)                    \
	ABI_S(fuse_uring_cmd_req)                                        \
	ABI_F(fuse_uring_cmd_req, flags)                                 \
	ABI_F(fuse_uring_cmd_req, commit_id)                             \
	ABI_F(fuse_uring_cmd_req, qid)
#define ABI_742_ENUMS                                                    \
	ABI_C(FUSE_IO_URING_CMD_INVALID) ABI_C(FUSE_IO_URING_CMD_REGISTER) \
	ABI_C(FUSE_IO_URING_CMD_COMMIT_AND_FETCH)
#define ABI_742_DEFINES                                                  \
	ABI_C(FUSE_OVER_IO_URING) ABI_C(FUSE_URING_IN_OUT_HEADER_SZ)     \
	ABI_C(FUSE_URING_OP_IN_OUT_SZ)

#define ABI_743_STRUCTS                                                  \
	ABI_F(fuse_init_out, request_timeout)                            \
	ABI_F(fuse_init_out, unused)
#define ABI_743_ENUMS
#define ABI_743_DEFINES ABI_C(FUSE_REQUEST_TIMEOUT)

#define ABI_744_STRUCTS
#define ABI_744_ENUMS ABI_C(FUSE_NOTIFY_INC_EPOCH)
#define ABI_744_DEFINES

#define ABI_745_STRUCTS                                                  \
	ABI_S(fuse_notify_prune_out)                                     \
	ABI_F(fuse_notify_prune_out, count)                              \
	ABI_F(fuse_notify_prune_out, padding)                            \
	ABI_F(fuse_notify_prune_out, spare)                              \
	ABI_S(fuse_copy_file_range_out)                                  \
	ABI_F(fuse_copy_file_range_out, bytes_copied)
#define ABI_745_ENUMS                                                    \
	ABI_C(FUSE_COPY_FILE_RANGE_64) ABI_C(FUSE_NOTIFY_PRUNE)
#define ABI_745_DEFINES

#endif
