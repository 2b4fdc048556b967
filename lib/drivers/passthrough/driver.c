/*
 * The passthrough driver as fbr sees it: the operations table, INIT (which
 * capabilities the cache mode and options call for), DESTROY (the kernel
 * has forgotten every nodeid and handle), SYNCFS, and the instance's life.
 * The source directory is opened once, here; everything after works
 * relative to that fd, so renaming the source or its parents on the host
 * changes nothing for the mount.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "drivers/passthrough/pt.h"

static int pt_init(void *fs_, struct fbr_conn *conn)
{
	struct pt_fs *fs = fs_;
	/*
	 * No FUSE_ATOMIC_O_TRUNC: the kernel then truncates with a SETATTR
	 * that also clears the set-id bits by the caller's credentials, which
	 * the server, opening as root, would keep.
	 */
	uint64_t want = FUSE_EXPORT_SUPPORT;

	switch (fs->opts.cache) {
	case FBR_PT_CACHE_NEVER:
		/* Entries expire at once: READDIRPLUS would only cost lookups. */
		conn->want &= ~(FUSE_DO_READDIRPLUS | FUSE_READDIRPLUS_AUTO);
		want |= FUSE_DIRECT_IO_ALLOW_MMAP;
		break;
	case FBR_PT_CACHE_METADATA:
	case FBR_PT_CACHE_AUTO:
		want |= FUSE_CACHE_SYMLINKS | FUSE_AUTO_INVAL_DATA;
		break;
	case FBR_PT_CACHE_ALWAYS:
		want |= FUSE_CACHE_SYMLINKS;
		break;
	}
	if (fs->opts.writeback)
		want |= FUSE_WRITEBACK_CACHE;
	if (fs->opts.killpriv_v2)
		want |= FUSE_HANDLE_KILLPRIV_V2;
	/* Creating as the caller: the group that makes setgid come out right. */
	if (fs->srv.act)
		want |= FUSE_CREATE_SUPP_GROUP;
	conn->want |= want & conn->capable;
	fs->writeback = (conn->want & FUSE_WRITEBACK_CACHE) != 0;
	fs->killpriv = (conn->want & FUSE_HANDLE_KILLPRIV_V2) != 0;
	pt_backing_init(fs, conn);
	return 0;
}

static void pt_destroy(void *fs)
{
	pt_locks_stop(fs); /* waiters hold handles: they go first */
	pt_htable_reset(fs);
	pt_itable_reset(fs);
}

/* The kernel asks for its superblock: the filesystem of the source. */
static int pt_syncfs(void *fs_, const struct fbr_ctx *c, uint64_t ino)
{
	struct pt_fs *fs = fs_;
	int fd = pt_reopen(fs, fs->root, O_RDONLY | O_DIRECTORY);
	int err = 0;

	if (fd < 0)
		return fd;
	if (syncfs(fd) < 0)
		err = -errno;
	close(fd);
	return err;
}

static const struct fbr_driver_ops pt_ops = {
	.init = pt_init,
	.destroy = pt_destroy,
	.lookup = pt_lookup,
	.forget = pt_forget,
	.getattr = pt_getattr,
	.setattr = pt_setattr,
	.statx = pt_statx_op,
	.readlink = pt_readlink,
	.symlink = pt_symlink,
	.mknod = pt_mknod,
	.mkdir = pt_mkdir,
	.unlink = pt_unlink,
	.rmdir = pt_rmdir,
	.rename = pt_rename,
	.link = pt_link,
	.open = pt_open,
	.create = pt_create,
	.tmpfile = pt_tmpfile,
	.read = pt_read,
	.write = pt_write,
	.flush = pt_flush,
	.release = pt_release,
	.fsync = pt_fsync,
	.fallocate = pt_fallocate,
	.lseek = pt_lseek,
	.copy_file_range = pt_copy_file_range,
	.opendir = pt_opendir,
	.readdir = pt_readdir,
	.readdirplus = pt_readdirplus,
	.releasedir = pt_releasedir,
	.fsyncdir = pt_fsyncdir,
	.statfs = pt_statfs,
	.access = pt_access,
	.setxattr = pt_setxattr,
	.getxattr = pt_getxattr,
	.listxattr = pt_listxattr,
	.removexattr = pt_removexattr,
	.getlk = pt_getlk,
	.setlk = pt_setlk,
	.syncfs = pt_syncfs,
};

static struct pt_timeout timeout(double t, double dflt)
{
	struct pt_timeout to;

	if (t < 0)
		t = dflt;
	to.sec = (uint64_t)t;
	to.nsec = (uint32_t)((t - (double)to.sec) * 1e9);
	return to;
}

static void set_cache(struct pt_fs *fs)
{
	const struct fbr_pt_opts *o = &fs->opts;
	double dflt = o->cache == FBR_PT_CACHE_ALWAYS ? 86400.0 : 1.0;

	fs->entry_to = timeout(o->entry_timeout, dflt);
	fs->attr_to = timeout(o->attr_timeout, dflt);
	switch (o->cache) {
	case FBR_PT_CACHE_NEVER:
		fs->entry_to = fs->attr_to = (struct pt_timeout){ 0, 0 };
		fs->fopen_flags = FOPEN_DIRECT_IO | FOPEN_PARALLEL_DIRECT_WRITES;
		break;
	case FBR_PT_CACHE_METADATA:
	case FBR_PT_CACHE_AUTO:
		break;
	case FBR_PT_CACHE_ALWAYS:
		fs->fopen_flags = FOPEN_KEEP_CACHE;
		fs->dopen_flags = FOPEN_KEEP_CACHE | FOPEN_CACHE_DIR;
		break;
	}
}

/*
 * Every fd the process may have: the soft limit up to the hard one, which
 * takes no privilege.  The inode fd cache sizes itself from the result.
 */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int fbr_passthrough_new(const struct fbr_pt_opts *opts, struct fbr_driver *drv)
{
	struct pt_fs *fs;
	int rootfd, err, itable_err;

	if (!opts->source)
		return -EINVAL;
	rootfd = open(opts->source, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return -errno;
	fs = calloc(1, sizeof(*fs));
	if (!fs) {
		close(rootfd);
		return -ENOMEM;
	}
	fs->opts = *opts;
	fs->opts.source = fs->source = strdup(opts->source);
	fs->procfd = open("/proc/self/fd", O_PATH | O_DIRECTORY | O_CLOEXEC);
	err = fs->procfd < 0 ? -errno : fs->source ? 0 : -ENOMEM;
	set_cache(fs);
	if (!err)
		err = pt_creds_init(fs);
	pt_htable_init(fs);
	pt_locks_init(fs);
	pthread_mutex_init(&fs->backing_lock, NULL);
	raise_nofile();
	itable_err = pt_itable_init(fs, rootfd); /* takes rootfd */
	if (!err)
		err = itable_err;
	if (err) {
		fbr_passthrough_free(&(struct fbr_driver){ .fs = fs });
		return err;
	}
	/* Modes arrive with the caller's umask applied: apply no other. */
	umask(0);
	drv->ops = &pt_ops;
	drv->fs = fs;
	return 0;
}

void fbr_passthrough_free(struct fbr_driver *drv)
{
	struct pt_fs *fs = drv->fs;

	if (!fs)
		return;
	pt_locks_fini(fs);
	pt_htable_fini(fs);
	pt_itable_fini(fs);
	pt_creds_fini(fs);
	pthread_mutex_destroy(&fs->backing_lock);
	if (fs->procfd >= 0)
		close(fs->procfd);
	free(fs->source);
	free(fs);
	drv->fs = NULL;
}

void fbr_passthrough_stats(const struct fbr_driver *drv, struct fbr_pt_stats *st)
{
	st->inodes = pt_itable_count(drv->fs);
	st->handles = pt_htable_count(drv->fs);
}
