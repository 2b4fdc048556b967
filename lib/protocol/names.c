/*
 * Name tables.  Flag tables list multi-bit values before the bits they
 * contain, so "O_RDWR" or "O_SYNC" is printed rather than its parts.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdio.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fbr/fuse_abi.h"
#include "protocol/names.h"

#define N(x) { x, #x }

static const struct {
	int value;
	const char *name;
} errnos[] = {
	N(EPERM), N(ENOENT), N(ESRCH), N(EINTR), N(EIO), N(ENXIO), N(E2BIG),
	N(ENOEXEC), N(EBADF), N(ECHILD), N(EAGAIN), N(ENOMEM), N(EACCES),
	N(EFAULT), N(ENOTBLK), N(EBUSY), N(EEXIST), N(EXDEV), N(ENODEV),
	N(ENOTDIR), N(EISDIR), N(EINVAL), N(ENFILE), N(EMFILE), N(ENOTTY),
	N(ETXTBSY), N(EFBIG), N(ENOSPC), N(ESPIPE), N(EROFS), N(EMLINK),
	N(EPIPE), N(EDOM), N(ERANGE), N(EDEADLK), N(ENAMETOOLONG), N(ENOLCK),
	N(ENOSYS), N(ENOTEMPTY), N(ELOOP), N(ENOMSG), N(EIDRM), N(ENODATA),
	N(ETIME), N(ENOLINK), N(EPROTO), N(EBADMSG), N(EOVERFLOW), N(EILSEQ),
	N(EUSERS), N(ENOTSOCK), N(EDESTADDRREQ), N(EMSGSIZE), N(EPROTOTYPE),
	N(ENOPROTOOPT), N(EPROTONOSUPPORT), N(EOPNOTSUPP), N(EAFNOSUPPORT),
	N(EADDRINUSE), N(EADDRNOTAVAIL), N(ENETDOWN), N(ENETUNREACH),
	N(ECONNABORTED), N(ECONNRESET), N(ENOBUFS), N(EISCONN), N(ENOTCONN),
	N(ETIMEDOUT), N(ECONNREFUSED), N(EHOSTUNREACH), N(EALREADY),
	N(EINPROGRESS), N(ESTALE), N(EDQUOT), N(ECANCELED), N(EOWNERDEAD),
	N(ENOTRECOVERABLE), N(EREMOTEIO), N(ENOMEDIUM), N(EKEYEXPIRED),
};

const char *fbr_errno_name(int err)
{
	long e = err < 0 ? -(long)err : err; /* INT_MIN from a trace file too */

	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (errnos[i].value == e)
			return errnos[i].name;
	return NULL;
}

int fbr_errno_value(const char *name)
{
	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (!strcmp(errnos[i].name, name))
			return errnos[i].value;
	return 0;
}

#define F(x) { (uint64_t)(x), #x }
#define FUSE(x) { FUSE_##x, #x }

const struct fbr_flagname fbr_init_flags[] = {
	FUSE(ASYNC_READ), FUSE(POSIX_LOCKS), FUSE(FILE_OPS),
	FUSE(ATOMIC_O_TRUNC), FUSE(EXPORT_SUPPORT), FUSE(BIG_WRITES),
	FUSE(DONT_MASK), FUSE(SPLICE_WRITE), FUSE(SPLICE_MOVE),
	FUSE(SPLICE_READ), FUSE(FLOCK_LOCKS), FUSE(HAS_IOCTL_DIR),
	FUSE(AUTO_INVAL_DATA), FUSE(DO_READDIRPLUS), FUSE(READDIRPLUS_AUTO),
	FUSE(ASYNC_DIO), FUSE(WRITEBACK_CACHE), FUSE(NO_OPEN_SUPPORT),
	FUSE(PARALLEL_DIROPS), FUSE(HANDLE_KILLPRIV), FUSE(POSIX_ACL),
	FUSE(ABORT_ERROR), FUSE(MAX_PAGES), FUSE(CACHE_SYMLINKS),
	FUSE(NO_OPENDIR_SUPPORT), FUSE(EXPLICIT_INVAL_DATA),
	FUSE(MAP_ALIGNMENT), FUSE(SUBMOUNTS), FUSE(HANDLE_KILLPRIV_V2),
	FUSE(SETXATTR_EXT), FUSE(INIT_EXT), FUSE(INIT_RESERVED),
	FUSE(SECURITY_CTX), FUSE(HAS_INODE_DAX), FUSE(CREATE_SUPP_GROUP),
	FUSE(HAS_EXPIRE_ONLY), FUSE(DIRECT_IO_ALLOW_MMAP), FUSE(PASSTHROUGH),
	FUSE(NO_EXPORT_SUPPORT), FUSE(HAS_RESEND), FUSE(ALLOW_IDMAP),
	FUSE(OVER_IO_URING), FUSE(REQUEST_TIMEOUT), { 0, NULL },
};

/* O_RDONLY is 0: the access mode is printed by the describer. */
const struct fbr_flagname fbr_open_flags[] = {
	F(O_WRONLY), F(O_RDWR), F(O_CREAT), F(O_EXCL), F(O_NOCTTY),
	F(O_TRUNC), F(O_APPEND), F(O_NONBLOCK), F(O_SYNC), F(O_DSYNC),
	F(O_ASYNC), F(O_DIRECT), F(O_LARGEFILE), F(O_TMPFILE), F(O_DIRECTORY),
	F(O_NOFOLLOW), F(O_NOATIME), F(O_CLOEXEC), F(O_PATH), { 0, NULL },
};

const struct fbr_flagname fbr_fopen_flags[] = {
	F(FOPEN_DIRECT_IO), F(FOPEN_KEEP_CACHE), F(FOPEN_NONSEEKABLE),
	F(FOPEN_CACHE_DIR), F(FOPEN_STREAM), F(FOPEN_NOFLUSH),
	F(FOPEN_PARALLEL_DIRECT_WRITES), F(FOPEN_PASSTHROUGH), { 0, NULL },
};

const struct fbr_flagname fbr_setattr_valid[] = {
	F(FATTR_MODE), F(FATTR_UID), F(FATTR_GID), F(FATTR_SIZE),
	F(FATTR_ATIME), F(FATTR_MTIME), F(FATTR_FH), F(FATTR_ATIME_NOW),
	F(FATTR_MTIME_NOW), F(FATTR_LOCKOWNER), F(FATTR_CTIME),
	F(FATTR_KILL_SUIDGID), { 0, NULL },
};

const struct fbr_flagname fbr_rename_flags[] = {
	{ 1, "RENAME_NOREPLACE" }, { 2, "RENAME_EXCHANGE" },
	{ 4, "RENAME_WHITEOUT" }, { 0, NULL },
};

const struct fbr_flagname fbr_access_mask[] = {
	F(R_OK), F(W_OK), F(X_OK), { 0, NULL },
};

const struct fbr_flagname fbr_fallocate_mode[] = {
	F(FALLOC_FL_KEEP_SIZE), F(FALLOC_FL_PUNCH_HOLE),
	F(FALLOC_FL_COLLAPSE_RANGE), F(FALLOC_FL_ZERO_RANGE),
	F(FALLOC_FL_INSERT_RANGE), F(FALLOC_FL_UNSHARE_RANGE), { 0, NULL },
};

const struct fbr_flagname fbr_xattr_flags[] = {
	F(XATTR_CREATE), F(XATTR_REPLACE), { 0, NULL },
};

const struct fbr_flagname fbr_release_flags[] = {
	F(FUSE_RELEASE_FLUSH), F(FUSE_RELEASE_FLOCK_UNLOCK), { 0, NULL },
};

const struct fbr_flagname fbr_write_flags[] = {
	F(FUSE_WRITE_CACHE), F(FUSE_WRITE_LOCKOWNER),
	F(FUSE_WRITE_KILL_SUIDGID), { 0, NULL },
};

const struct fbr_flagname fbr_getattr_flags[] = {
	F(FUSE_GETATTR_FH), { 0, NULL },
};

const struct fbr_flagname fbr_attr_flags[] = {
	F(FUSE_ATTR_SUBMOUNT), F(FUSE_ATTR_DAX), { 0, NULL },
};

const struct fbr_flagname fbr_ioctl_flags[] = {
	F(FUSE_IOCTL_COMPAT), F(FUSE_IOCTL_UNRESTRICTED), F(FUSE_IOCTL_RETRY),
	F(FUSE_IOCTL_32BIT), F(FUSE_IOCTL_DIR), F(FUSE_IOCTL_COMPAT_X32),
	{ 0, NULL },
};

const char *fbr_lock_type_name(uint32_t type)
{
	switch (type) {
	case F_RDLCK: return "F_RDLCK";
	case F_WRLCK: return "F_WRLCK";
	case F_UNLCK: return "F_UNLCK";
	default: return "?";
	}
}

const char *fbr_whence_name(uint32_t whence)
{
	switch (whence) {
	case SEEK_SET: return "SEEK_SET";
	case SEEK_CUR: return "SEEK_CUR";
	case SEEK_END: return "SEEK_END";
	case SEEK_DATA: return "SEEK_DATA";
	case SEEK_HOLE: return "SEEK_HOLE";
	default: return "?";
	}
}

const char *fbr_notify_name(int code)
{
	static const char *names[] = {
		[FUSE_NOTIFY_POLL] = "NOTIFY_POLL",
		[FUSE_NOTIFY_INVAL_INODE] = "NOTIFY_INVAL_INODE",
		[FUSE_NOTIFY_INVAL_ENTRY] = "NOTIFY_INVAL_ENTRY",
		[FUSE_NOTIFY_STORE] = "NOTIFY_STORE",
		[FUSE_NOTIFY_RETRIEVE] = "NOTIFY_RETRIEVE",
		[FUSE_NOTIFY_DELETE] = "NOTIFY_DELETE",
		[FUSE_NOTIFY_RESEND] = "NOTIFY_RESEND",
		[FUSE_NOTIFY_INC_EPOCH] = "NOTIFY_INC_EPOCH",
		[FUSE_NOTIFY_PRUNE] = "NOTIFY_PRUNE",
	};

	if (code <= 0 || code >= (int)(sizeof(names) / sizeof(names[0])))
		return NULL;
	return names[code];
}
