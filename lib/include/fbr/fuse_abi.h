/*
 * The FUSE wire format: the messages the kernel (or a virtio-fs guest) and a
 * FUSE server exchange, for protocol 7.27 up to 7.45.
 *
 * Written for fbr from the protocol's definition; tests/unit/test-abi (lists
 * in tests/unit/abi-fields.h) compares every size, field offset and constant
 * here with the system's <linux/fuse.h> and with the running kernel's BTF.
 * Never include both headers in one file.
 *
 * All fields are little-endian on every machine fbr runs on (the kernel and
 * the server share a CPU; virtio-fs guests of other endianness are not
 * supported).  Where a struct grew within 7.27..7.45, the FUSE_COMPAT_*
 * sizes give its older length; the comment on each field says in which minor
 * it became meaningful.
 */
#ifndef FBR_FUSE_ABI_H
#define FBR_FUSE_ABI_H

#include <stdint.h>
#include <sys/ioctl.h>

#define FUSE_KERNEL_VERSION 7
#define FUSE_KERNEL_MINOR_VERSION 45 /* the newest minor fbr speaks */
#define FUSE_MIN_MINOR_VERSION 27    /* the oldest minor fbr accepts */

#define FUSE_ROOT_ID 1
#define FUSE_MIN_READ_BUFFER 8192
#define FUSE_NAME_MAX 1024
#define FUSE_UNIQUE_RESEND (1ULL << 63) /* 7.40 */
#define FUSE_INT_REQ_BIT (1ULL << 0)   /* set in an INTERRUPT's unique */

enum fuse_opcode {
	FUSE_LOOKUP = 1,
	FUSE_FORGET = 2, /* no reply */
	FUSE_GETATTR = 3,
	FUSE_SETATTR = 4,
	FUSE_READLINK = 5,
	FUSE_SYMLINK = 6,
	FUSE_MKNOD = 8,
	FUSE_MKDIR = 9,
	FUSE_UNLINK = 10,
	FUSE_RMDIR = 11,
	FUSE_RENAME = 12,
	FUSE_LINK = 13,
	FUSE_OPEN = 14,
	FUSE_READ = 15,
	FUSE_WRITE = 16,
	FUSE_STATFS = 17,
	FUSE_RELEASE = 18,
	FUSE_FSYNC = 20,
	FUSE_SETXATTR = 21,
	FUSE_GETXATTR = 22,
	FUSE_LISTXATTR = 23,
	FUSE_REMOVEXATTR = 24,
	FUSE_FLUSH = 25,
	FUSE_INIT = 26,
	FUSE_OPENDIR = 27,
	FUSE_READDIR = 28,
	FUSE_RELEASEDIR = 29,
	FUSE_FSYNCDIR = 30,
	FUSE_GETLK = 31,
	FUSE_SETLK = 32,
	FUSE_SETLKW = 33,
	FUSE_ACCESS = 34,
	FUSE_CREATE = 35,
	FUSE_INTERRUPT = 36,
	FUSE_BMAP = 37,
	FUSE_DESTROY = 38,
	FUSE_IOCTL = 39,
	FUSE_POLL = 40,
	FUSE_NOTIFY_REPLY = 41,
	FUSE_BATCH_FORGET = 42,
	FUSE_FALLOCATE = 43,
	FUSE_READDIRPLUS = 44,
	FUSE_RENAME2 = 45,
	FUSE_LSEEK = 46,
	FUSE_COPY_FILE_RANGE = 47,
	FUSE_SETUPMAPPING = 48,  /* 7.31, DAX only */
	FUSE_REMOVEMAPPING = 49, /* 7.31, DAX only */
	FUSE_SYNCFS = 50,        /* 7.34 */
	FUSE_TMPFILE = 51,       /* 7.37 */
	FUSE_STATX = 52,         /* 7.39 */
	FUSE_COPY_FILE_RANGE_64 = 53, /* 7.45 */

	CUSE_INIT = 4096,
	CUSE_INIT_BSWAP_RESERVED = 1048576,
	FUSE_INIT_BSWAP_RESERVED = 436207616,
};
#define FUSE_OPCODE_MAX FUSE_COPY_FILE_RANGE_64

/* Messages the server sends unasked: out_header.unique is 0, error the code. */
enum fuse_notify_code {
	FUSE_NOTIFY_POLL = 1,
	FUSE_NOTIFY_INVAL_INODE = 2,
	FUSE_NOTIFY_INVAL_ENTRY = 3,
	FUSE_NOTIFY_STORE = 4,
	FUSE_NOTIFY_RETRIEVE = 5,
	FUSE_NOTIFY_DELETE = 6,
	FUSE_NOTIFY_RESEND = 7,    /* 7.40 */
	FUSE_NOTIFY_INC_EPOCH = 8, /* 7.44 */
	FUSE_NOTIFY_PRUNE = 9,     /* 7.45 */
};
/* One past the last code, as the kernel's (since removed) enumerator was. */
#define FUSE_NOTIFY_CODE_MAX (FUSE_NOTIFY_PRUNE + 1)

/* INIT flags; bits 32..63 travel in flags2 once FUSE_INIT_EXT is agreed. */
#define FUSE_ASYNC_READ (1ULL << 0)
#define FUSE_POSIX_LOCKS (1ULL << 1)
#define FUSE_FILE_OPS (1ULL << 2)
#define FUSE_ATOMIC_O_TRUNC (1ULL << 3)
#define FUSE_EXPORT_SUPPORT (1ULL << 4)
#define FUSE_BIG_WRITES (1ULL << 5)
#define FUSE_DONT_MASK (1ULL << 6)
#define FUSE_SPLICE_WRITE (1ULL << 7)
#define FUSE_SPLICE_MOVE (1ULL << 8)
#define FUSE_SPLICE_READ (1ULL << 9)
#define FUSE_FLOCK_LOCKS (1ULL << 10)
#define FUSE_HAS_IOCTL_DIR (1ULL << 11)
#define FUSE_AUTO_INVAL_DATA (1ULL << 12)
#define FUSE_DO_READDIRPLUS (1ULL << 13)
#define FUSE_READDIRPLUS_AUTO (1ULL << 14)
#define FUSE_ASYNC_DIO (1ULL << 15)
#define FUSE_WRITEBACK_CACHE (1ULL << 16)
#define FUSE_NO_OPEN_SUPPORT (1ULL << 17)
#define FUSE_PARALLEL_DIROPS (1ULL << 18)
#define FUSE_HANDLE_KILLPRIV (1ULL << 19)
#define FUSE_POSIX_ACL (1ULL << 20)
#define FUSE_ABORT_ERROR (1ULL << 21)
#define FUSE_MAX_PAGES (1ULL << 22)        /* 7.28 */
#define FUSE_CACHE_SYMLINKS (1ULL << 23)   /* 7.28 */
#define FUSE_NO_OPENDIR_SUPPORT (1ULL << 24) /* 7.29 */
#define FUSE_EXPLICIT_INVAL_DATA (1ULL << 25) /* 7.30 */
#define FUSE_MAP_ALIGNMENT (1ULL << 26)    /* 7.31 */
#define FUSE_SUBMOUNTS (1ULL << 27)        /* 7.32 */
#define FUSE_HANDLE_KILLPRIV_V2 (1ULL << 28) /* 7.33 */
#define FUSE_SETXATTR_EXT (1ULL << 29)     /* 7.33 */
#define FUSE_INIT_EXT (1ULL << 30)         /* 7.36 */
#define FUSE_INIT_RESERVED (1ULL << 31)
#define FUSE_SECURITY_CTX (1ULL << 32)     /* 7.36 */
#define FUSE_HAS_INODE_DAX (1ULL << 33)    /* 7.36 */
#define FUSE_CREATE_SUPP_GROUP (1ULL << 34) /* 7.38 */
#define FUSE_HAS_EXPIRE_ONLY (1ULL << 35)  /* 7.38 */
#define FUSE_DIRECT_IO_ALLOW_MMAP (1ULL << 36) /* 7.39 */
#define FUSE_PASSTHROUGH (1ULL << 37)      /* 7.40 */
#define FUSE_NO_EXPORT_SUPPORT (1ULL << 38) /* 7.40 */
#define FUSE_HAS_RESEND (1ULL << 39)       /* 7.40 */
#define FUSE_ALLOW_IDMAP (1ULL << 40)      /* 7.41 */
#define FUSE_OVER_IO_URING (1ULL << 41)    /* 7.42 */
#define FUSE_REQUEST_TIMEOUT (1ULL << 42)  /* 7.43 */

/* fuse_setattr_in.valid */
#define FATTR_MODE (1U << 0)
#define FATTR_UID (1U << 1)
#define FATTR_GID (1U << 2)
#define FATTR_SIZE (1U << 3)
#define FATTR_ATIME (1U << 4)
#define FATTR_MTIME (1U << 5)
#define FATTR_FH (1U << 6)
#define FATTR_ATIME_NOW (1U << 7)
#define FATTR_MTIME_NOW (1U << 8)
#define FATTR_LOCKOWNER (1U << 9)
#define FATTR_CTIME (1U << 10)
#define FATTR_KILL_SUIDGID (1U << 11) /* 7.33 */

/* fuse_open_out.open_flags */
#define FOPEN_DIRECT_IO (1U << 0)
#define FOPEN_KEEP_CACHE (1U << 1)
#define FOPEN_NONSEEKABLE (1U << 2)
#define FOPEN_CACHE_DIR (1U << 3)
#define FOPEN_STREAM (1U << 4)
#define FOPEN_NOFLUSH (1U << 5)                /* 7.35 */
#define FOPEN_PARALLEL_DIRECT_WRITES (1U << 6) /* 7.37 */
#define FOPEN_PASSTHROUGH (1U << 7)            /* 7.40 */

#define FUSE_GETATTR_FH (1U << 0)          /* fuse_getattr_in.getattr_flags */
#define FUSE_LK_FLOCK (1U << 0)            /* fuse_lk_in.lk_flags */
#define FUSE_WRITE_CACHE (1U << 0)         /* fuse_write_in.write_flags */
#define FUSE_WRITE_LOCKOWNER (1U << 1)
#define FUSE_WRITE_KILL_SUIDGID (1U << 2)  /* 7.33 */
#define FUSE_WRITE_KILL_PRIV FUSE_WRITE_KILL_SUIDGID /* obsolete alias */
#define FUSE_READ_LOCKOWNER (1U << 1)      /* fuse_read_in.read_flags */
#define FUSE_RELEASE_FLUSH (1U << 0)       /* fuse_release_in.release_flags */
#define FUSE_RELEASE_FLOCK_UNLOCK (1U << 1)
#define FUSE_FSYNC_FDATASYNC (1U << 0)     /* fuse_fsync_in.fsync_flags */
#define FUSE_OPEN_KILL_SUIDGID (1U << 0)   /* fuse_open_in.open_flags, 7.33 */
#define FUSE_SETXATTR_ACL_KILL_SGID (1U << 0) /* setxattr_flags, 7.33 */
#define FUSE_EXPIRE_ONLY (1U << 0)         /* inval_entry flags, 7.38 */
#define FUSE_POLL_SCHEDULE_NOTIFY (1U << 0)
#define FUSE_ATTR_SUBMOUNT (1U << 0)       /* fuse_attr.flags, 7.32 */
#define FUSE_ATTR_DAX (1U << 1)            /* 7.36 */

#define FUSE_IOCTL_COMPAT (1U << 0)
#define FUSE_IOCTL_UNRESTRICTED (1U << 1)
#define FUSE_IOCTL_RETRY (1U << 2)
#define FUSE_IOCTL_32BIT (1U << 3)
#define FUSE_IOCTL_DIR (1U << 4)
#define FUSE_IOCTL_COMPAT_X32 (1U << 5)
#define FUSE_IOCTL_MAX_IOV 256

#define CUSE_UNRESTRICTED_IOCTL (1U << 0) /* cuse_init_in.flags */

/* Reply lengths of minors older than 7.27, kept to match <linux/fuse.h>. */
#define FUSE_COMPAT_ENTRY_OUT_SIZE 120
#define FUSE_COMPAT_ATTR_OUT_SIZE 96
#define FUSE_COMPAT_MKNOD_IN_SIZE 8
#define FUSE_COMPAT_WRITE_IN_SIZE 24
#define FUSE_COMPAT_STATFS_SIZE 48
#define FUSE_COMPAT_INIT_OUT_SIZE 8
#define FUSE_COMPAT_22_INIT_OUT_SIZE 24

#define FUSE_SETUPMAPPING_FLAG_WRITE (1ULL << 0)
#define FUSE_SETUPMAPPING_FLAG_READ (1ULL << 1)

struct fuse_attr {
	uint64_t ino;
	uint64_t size;
	uint64_t blocks;
	uint64_t atime;
	uint64_t mtime;
	uint64_t ctime;
	uint32_t atimensec;
	uint32_t mtimensec;
	uint32_t ctimensec;
	uint32_t mode;
	uint32_t nlink;
	uint32_t uid;
	uint32_t gid;
	uint32_t rdev;
	uint32_t blksize;
	uint32_t flags; /* FUSE_ATTR_*, 7.32; padding before */
};

struct fuse_sx_time {
	int64_t tv_sec;
	uint32_t tv_nsec;
	int32_t __reserved;
};

struct fuse_statx { /* 7.39 */
	uint32_t mask;
	uint32_t blksize;
	uint64_t attributes;
	uint32_t nlink;
	uint32_t uid;
	uint32_t gid;
	uint16_t mode;
	uint16_t __spare0[1];
	uint64_t ino;
	uint64_t size;
	uint64_t blocks;
	uint64_t attributes_mask;
	struct fuse_sx_time atime;
	struct fuse_sx_time btime;
	struct fuse_sx_time ctime;
	struct fuse_sx_time mtime;
	uint32_t rdev_major;
	uint32_t rdev_minor;
	uint32_t dev_major;
	uint32_t dev_minor;
	uint64_t __spare2[14];
};

struct fuse_kstatfs {
	uint64_t blocks;
	uint64_t bfree;
	uint64_t bavail;
	uint64_t files;
	uint64_t ffree;
	uint32_t bsize;
	uint32_t namelen;
	uint32_t frsize;
	uint32_t padding;
	uint32_t spare[6];
};

struct fuse_file_lock {
	uint64_t start;
	uint64_t end;
	uint32_t type;
	uint32_t pid; /* tgid */
};

struct fuse_in_header {
	uint32_t len;
	uint32_t opcode;
	uint64_t unique;
	uint64_t nodeid;
	uint32_t uid;
	uint32_t gid;
	uint32_t pid;
	uint16_t total_extlen; /* 7.38: extension bytes / 8; padding before */
	uint16_t padding;
};

struct fuse_out_header {
	uint32_t len;
	int32_t error; /* 0 or a negative errno; the notify code when unique is 0 */
	uint64_t unique;
};

struct fuse_entry_out {
	uint64_t nodeid;
	uint64_t generation;
	uint64_t entry_valid; /* seconds */
	uint64_t attr_valid;
	uint32_t entry_valid_nsec;
	uint32_t attr_valid_nsec;
	struct fuse_attr attr;
};

struct fuse_forget_in {
	uint64_t nlookup;
};

struct fuse_forget_one {
	uint64_t nodeid;
	uint64_t nlookup;
};

struct fuse_batch_forget_in {
	uint32_t count;
	uint32_t dummy;
	/* followed by count struct fuse_forget_one */
};

struct fuse_getattr_in {
	uint32_t getattr_flags;
	uint32_t dummy;
	uint64_t fh;
};

struct fuse_attr_out {
	uint64_t attr_valid;
	uint32_t attr_valid_nsec;
	uint32_t dummy;
	struct fuse_attr attr;
};

struct fuse_statx_in { /* 7.39 */
	uint32_t getattr_flags;
	uint32_t reserved;
	uint64_t fh;
	uint32_t sx_flags;
	uint32_t sx_mask;
};

struct fuse_statx_out { /* 7.39 */
	uint64_t attr_valid;
	uint32_t attr_valid_nsec;
	uint32_t flags;
	uint64_t spare[2];
	struct fuse_statx stat;
};

struct fuse_mknod_in {
	uint32_t mode;
	uint32_t rdev;
	uint32_t umask;
	uint32_t padding;
};

struct fuse_mkdir_in {
	uint32_t mode;
	uint32_t umask;
};

struct fuse_rename_in {
	uint64_t newdir;
};

struct fuse_rename2_in {
	uint64_t newdir;
	uint32_t flags;
	uint32_t padding;
};

struct fuse_link_in {
	uint64_t oldnodeid;
};

struct fuse_setattr_in {
	uint32_t valid;
	uint32_t padding;
	uint64_t fh;
	uint64_t size;
	uint64_t lock_owner;
	uint64_t atime;
	uint64_t mtime;
	uint64_t ctime;
	uint32_t atimensec;
	uint32_t mtimensec;
	uint32_t ctimensec;
	uint32_t mode;
	uint32_t unused4;
	uint32_t uid;
	uint32_t gid;
	uint32_t unused5;
};

struct fuse_open_in {
	uint32_t flags;
	uint32_t open_flags; /* FUSE_OPEN_KILL_SUIDGID, 7.33 */
};

struct fuse_create_in {
	uint32_t flags;
	uint32_t mode;
	uint32_t umask;
	uint32_t open_flags; /* 7.33 */
};

struct fuse_open_out {
	uint64_t fh;
	uint32_t open_flags;
	int32_t backing_id; /* with FOPEN_PASSTHROUGH, 7.40 */
};

struct fuse_release_in {
	uint64_t fh;
	uint32_t flags;
	uint32_t release_flags;
	uint64_t lock_owner;
};

struct fuse_flush_in {
	uint64_t fh;
	uint32_t unused;
	uint32_t padding;
	uint64_t lock_owner;
};

struct fuse_read_in {
	uint64_t fh;
	uint64_t offset;
	uint32_t size;
	uint32_t read_flags;
	uint64_t lock_owner;
	uint32_t flags;
	uint32_t padding;
};

struct fuse_write_in {
	uint64_t fh;
	uint64_t offset;
	uint32_t size;
	uint32_t write_flags;
	uint64_t lock_owner;
	uint32_t flags;
	uint32_t padding;
	/* followed by size bytes of data */
};

struct fuse_write_out {
	uint32_t size;
	uint32_t padding;
};

struct fuse_statfs_out {
	struct fuse_kstatfs st;
};

struct fuse_fsync_in {
	uint64_t fh;
	uint32_t fsync_flags;
	uint32_t padding;
};

/* Without FUSE_SETXATTR_EXT only size and flags are sent. */
#define FUSE_COMPAT_SETXATTR_IN_SIZE 8

struct fuse_setxattr_in {
	uint32_t size;
	uint32_t flags;
	uint32_t setxattr_flags; /* 7.33, with FUSE_SETXATTR_EXT */
	uint32_t padding;
	/* followed by the name, NUL, and size bytes of value */
};

struct fuse_getxattr_in {
	uint32_t size;
	uint32_t padding;
};

struct fuse_getxattr_out {
	uint32_t size;
	uint32_t padding;
};

struct fuse_lk_in {
	uint64_t fh;
	uint64_t owner;
	struct fuse_file_lock lk;
	uint32_t lk_flags;
	uint32_t padding;
};

struct fuse_lk_out {
	struct fuse_file_lock lk;
};

struct fuse_access_in {
	uint32_t mask;
	uint32_t padding;
};

/* Kernels before 7.36 send only major, minor, max_readahead and flags. */
#define FUSE_COMPAT_INIT_IN_SIZE 16

struct fuse_init_in {
	uint32_t major;
	uint32_t minor;
	uint32_t max_readahead;
	uint32_t flags;
	uint32_t flags2; /* 7.36 */
	uint32_t unused[11];
};

struct fuse_init_out {
	uint32_t major;
	uint32_t minor;
	uint32_t max_readahead;
	uint32_t flags;
	uint16_t max_background;
	uint16_t congestion_threshold;
	uint32_t max_write;
	uint32_t time_gran;
	uint16_t max_pages;       /* 7.28 */
	uint16_t map_alignment;   /* 7.31 */
	uint32_t flags2;          /* 7.36 */
	uint32_t max_stack_depth; /* 7.40 */
	uint16_t request_timeout; /* 7.43, seconds */
	uint16_t unused[11];
};

/* CUSE: character devices in userspace, INIT is CUSE_INIT. */
#define CUSE_INIT_INFO_MAX 4096 /* device info string after cuse_init_out */

struct cuse_init_in {
	uint32_t major;
	uint32_t minor;
	uint32_t unused;
	uint32_t flags; /* CUSE_UNRESTRICTED_IOCTL */
};

struct cuse_init_out {
	uint32_t major;
	uint32_t minor;
	uint32_t unused;
	uint32_t flags;
	uint32_t max_read;
	uint32_t max_write;
	uint32_t dev_major; /* of the character device */
	uint32_t dev_minor;
	uint32_t spare[10];
};

struct fuse_interrupt_in {
	uint64_t unique;
};

struct fuse_bmap_in {
	uint64_t block;
	uint32_t blocksize;
	uint32_t padding;
};

struct fuse_bmap_out {
	uint64_t block;
};

struct fuse_ioctl_in {
	uint64_t fh;
	uint32_t flags;
	uint32_t cmd;
	uint64_t arg;
	uint32_t in_size;
	uint32_t out_size;
	/* followed by in_size bytes of input */
};

struct fuse_ioctl_iovec {
	uint64_t base;
	uint64_t len;
};

struct fuse_ioctl_out {
	int32_t result;
	uint32_t flags;
	uint32_t in_iovs;
	uint32_t out_iovs;
};

struct fuse_poll_in {
	uint64_t fh;
	uint64_t kh;
	uint32_t flags;
	uint32_t events;
};

struct fuse_poll_out {
	uint32_t revents;
	uint32_t padding;
};

struct fuse_fallocate_in {
	uint64_t fh;
	uint64_t offset;
	uint64_t length;
	uint32_t mode;
	uint32_t padding;
};

struct fuse_lseek_in {
	uint64_t fh;
	uint64_t offset;
	uint32_t whence;
	uint32_t padding;
};

struct fuse_lseek_out {
	uint64_t offset;
};

struct fuse_copy_file_range_in {
	uint64_t fh_in;
	uint64_t off_in;
	uint64_t nodeid_out;
	uint64_t fh_out;
	uint64_t off_out;
	uint64_t len;
	uint64_t flags;
};

struct fuse_copy_file_range_out { /* 7.45, reply to COPY_FILE_RANGE_64 */
	uint64_t bytes_copied;
};

struct fuse_setupmapping_in {
	uint64_t fh;
	uint64_t foffset;
	uint64_t len;
	uint64_t flags;
	uint64_t moffset;
};

struct fuse_removemapping_in {
	uint32_t count;
	/* followed by count struct fuse_removemapping_one */
};

struct fuse_removemapping_one {
	uint64_t moffset;
	uint64_t len;
};

struct fuse_syncfs_in {
	uint64_t padding;
};

/* Directory entries: each padded to a multiple of 8 bytes. */
struct fuse_dirent {
	uint64_t ino;
	uint64_t off;
	uint32_t namelen;
	uint32_t type;
	char name[];
};

struct fuse_direntplus {
	struct fuse_entry_out entry_out;
	struct fuse_dirent dirent;
};

#define FUSE_NAME_OFFSET 24         /* offsetof(struct fuse_dirent, name) */
#define FUSE_NAME_OFFSET_DIRENTPLUS 152
#define FUSE_REC_ALIGN(x) (((x) + 7) & ~(uint64_t)7)
#define FUSE_DIRENT_ALIGN(x) FUSE_REC_ALIGN(x)

/* Notifications, server to kernel. */
struct fuse_notify_poll_wakeup_out {
	uint64_t kh;
};

struct fuse_notify_inval_inode_out {
	uint64_t ino;
	int64_t off;
	int64_t len;
};

struct fuse_notify_inval_entry_out {
	uint64_t parent;
	uint32_t namelen;
	uint32_t flags; /* FUSE_EXPIRE_ONLY, 7.38 */
};

struct fuse_notify_delete_out {
	uint64_t parent;
	uint64_t child;
	uint32_t namelen;
	uint32_t padding;
};

struct fuse_notify_store_out {
	uint64_t nodeid;
	uint64_t offset;
	uint32_t size;
	uint32_t padding;
};

struct fuse_notify_retrieve_out {
	uint64_t notify_unique;
	uint64_t nodeid;
	uint64_t offset;
	uint32_t size;
	uint32_t padding;
};

/* The kernel's answer to a RETRIEVE, sent as a NOTIFY_REPLY request. */
struct fuse_notify_retrieve_in {
	uint64_t dummy1;
	uint64_t offset;
	uint32_t size;
	uint32_t dummy2;
	uint64_t dummy3;
	uint64_t dummy4;
};

struct fuse_notify_prune_out { /* 7.45, followed by count nodeids */
	uint32_t count;
	uint32_t padding;
	uint64_t spare;
};

/* Request extensions (7.38): total_extlen * 8 bytes after the arguments. */
struct fuse_ext_header {
	uint32_t size; /* including this header, a multiple of 8 */
	uint32_t type;
};

enum fuse_ext_type {
	FUSE_MAX_NR_SECCTX = 31, /* types 0..31 are security contexts */
	FUSE_EXT_GROUPS = 32,
};

struct fuse_secctx_header {
	uint32_t size;
	uint32_t nr_secctx;
};

struct fuse_secctx {
	uint32_t size;
	uint32_t padding;
};

struct fuse_supp_groups {
	uint32_t nr_groups;
	uint32_t groups[];
};

/* /dev/fuse ioctls. */
struct fuse_backing_map { /* 7.40 */
	int32_t fd;
	uint32_t flags;
	uint64_t padding;
};

#define FUSE_DEV_IOC_MAGIC 229
#define FUSE_DEV_IOC_CLONE _IOR(FUSE_DEV_IOC_MAGIC, 0, uint32_t)
#define FUSE_DEV_IOC_BACKING_OPEN _IOW(FUSE_DEV_IOC_MAGIC, 1, struct fuse_backing_map)
#define FUSE_DEV_IOC_BACKING_CLOSE _IOW(FUSE_DEV_IOC_MAGIC, 2, uint32_t)

/* FUSE over io_uring (7.42). */
#define FUSE_URING_IN_OUT_HEADER_SZ 128
#define FUSE_URING_OP_IN_OUT_SZ 128

struct fuse_uring_ent_in_out {
	uint64_t flags;
	uint64_t commit_id; /* the request's unique, echoed by the server */
	uint32_t payload_sz;
	uint32_t padding;
	uint64_t reserved;
};

struct fuse_uring_req_header {
	char in_out[FUSE_URING_IN_OUT_HEADER_SZ]; /* in_header, then out_header */
	char op_in[FUSE_URING_OP_IN_OUT_SZ];      /* the fixed argument struct */
	struct fuse_uring_ent_in_out ring_ent_in_out;
};

enum fuse_uring_cmd {
	FUSE_IO_URING_CMD_INVALID = 0,
	FUSE_IO_URING_CMD_REGISTER = 1,
	FUSE_IO_URING_CMD_COMMIT_AND_FETCH = 2,
};

struct fuse_uring_cmd_req {
	uint64_t flags;
	uint64_t commit_id;
	uint16_t qid;
	uint8_t padding[6];
};

/* Sizes the protocol fixes; a mistake here breaks every kernel. */
_Static_assert(sizeof(struct fuse_in_header) == 40, "fuse_in_header");
_Static_assert(sizeof(struct fuse_out_header) == 16, "fuse_out_header");
_Static_assert(sizeof(struct fuse_attr) == 88, "fuse_attr");
_Static_assert(sizeof(struct fuse_entry_out) == 128, "fuse_entry_out");
_Static_assert(sizeof(struct fuse_attr_out) == 104, "fuse_attr_out");
_Static_assert(sizeof(struct fuse_statx) == 256, "fuse_statx");
_Static_assert(sizeof(struct fuse_statx_out) == 288, "fuse_statx_out");
_Static_assert(sizeof(struct fuse_kstatfs) == 80, "fuse_kstatfs");
_Static_assert(sizeof(struct fuse_setattr_in) == 88, "fuse_setattr_in");
_Static_assert(sizeof(struct fuse_init_in) == 64, "fuse_init_in");
_Static_assert(sizeof(struct fuse_init_out) == 64, "fuse_init_out");
_Static_assert(sizeof(struct fuse_read_in) == 40, "fuse_read_in");
_Static_assert(sizeof(struct fuse_write_in) == 40, "fuse_write_in");
_Static_assert(sizeof(struct fuse_lk_in) == 48, "fuse_lk_in");
_Static_assert(sizeof(struct fuse_copy_file_range_in) == 56, "copy_file_range_in");
_Static_assert(sizeof(struct fuse_dirent) == FUSE_NAME_OFFSET, "fuse_dirent");
_Static_assert(sizeof(struct fuse_direntplus) == FUSE_NAME_OFFSET_DIRENTPLUS, "fuse_direntplus");
_Static_assert(sizeof(struct fuse_notify_retrieve_in) == 40, "notify_retrieve_in");
_Static_assert(sizeof(struct fuse_uring_req_header) == 288, "fuse_uring_req_header");
_Static_assert(sizeof(struct fuse_uring_cmd_req) == 24, "fuse_uring_cmd_req");

#endif
