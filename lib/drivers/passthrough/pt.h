/*
 * Inside the passthrough driver: the filesystem instance, its inode table
 * (nodeids the kernel holds, each naming a host inode by a file handle and
 * an O_PATH fd that a bounded cache may close while nobody uses it),
 * its handle table (open files and directories) and the helpers the
 * operation files share.  Private to lib/drivers/passthrough.
 */
#ifndef FBR_DRIVERS_PASSTHROUGH_PT_H
#define FBR_DRIVERS_PASSTHROUGH_PT_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "fbr/passthrough.h"

#define PT_ISHARDS 64  /* inode table shards; a power of two */
#define PT_HSHARDS 16  /* handle table shards; a power of two */

/* What makes a host inode the same one: device, inode, mount. */
struct pt_key {
	uint64_t dev;
	uint64_t ino;
	uint64_t mnt;
};

struct pt_inode {
	struct pt_inode *id_next;  /* chains of the shard's two hashes */
	struct pt_inode *key_next;
	uint64_t nodeid;           /* our name for it; its shard in the low bits */
	uint64_t ino;              /* st_ino as the kernel sees it */
	mode_t type;               /* S_IFMT bits: an inode keeps its type */
	struct pt_key key;
	uint32_t devidx;           /* of (dev, mnt), for readdir's d_ino */
	uint64_t nlookup;          /* lookups the kernel holds; shard lock */
	atomic_uint refs;          /* the table's, plus one per user */
	int fd;                    /* O_PATH, or -1 while the fd cache has it
				      closed; only through pt_inode_fd() */
	int mntfd;                 /* its mount's, held for handles; or -1 */
	void *handle;              /* struct file_handle, after the inode;
				      NULL: the fd stays open for good */
	bool used;                 /* got since the cache last looked; shard lock */
	bool recycled;             /* gone, its st_ino given to another: found
				      by nodeid only (ESTALE); shard lock */
	int backing_id;            /* FUSE passthrough: fs->backing_lock */
	unsigned backing_users;    /* open handles using it; the same lock */
	bool on_lru;               /* fd cache lock */
	struct pt_inode *lru_prev, *lru_next;  /* fd cache lock */
};

/*
 * The open O_PATH fds of inodes that have a file handle, most recently
 * opened first: unreferenced ones are closed from the tail when there are
 * more than the budget, and reopened from the handle on the next get.
 */
struct pt_fdcache {
	pthread_mutex_t lock;
	struct pt_inode *head, *tail;
	size_t count;              /* on the list, so with their fd open */
	size_t budget;             /* from RLIMIT_NOFILE */
	bool handles;              /* open_by_handle_at works for us */
};

struct pt_ishard {
	pthread_mutex_t lock;
	struct pt_inode **by_id;
	struct pt_inode **by_key;
	size_t nbuckets;           /* of each hash; a power of two */
	size_t count;
	uint64_t serial;
};

/* (dev, mnt) pairs seen, numbered, and st_ino values too big to fold. */
struct pt_bigino {
	struct pt_bigino *next;
	uint32_t devidx;
	uint64_t st_ino;
	uint64_t ino;
};

struct pt_devmap {
	pthread_mutex_t lock;
	struct {
		uint64_t dev, mnt;
		int fd;            /* a directory on it, for open_by_handle_at */
		uint32_t users;    /* inodes in the table with a handle on it */
	} *devs;
	uint32_t ndevs, cap;
	struct pt_bigino *big[64];
	uint64_t nextbig;
};

struct pt_handle {
	atomic_uint refs;          /* the table's, plus one per user */
	int fd;
	bool dir;
	bool backed;               /* opened with FUSE passthrough */
	struct pt_inode *inode;    /* holds a reference */
	pthread_mutex_t lock;      /* directories: serialises readdir */
	int64_t pos;               /* directories: the fd's offset, or -1 */
};

struct pt_hslot {
	struct pt_handle *h;
	uint32_t gen;              /* bumped on every free: stale fh fail */
	uint32_t next_free;        /* index + 1, 0 ends the list */
};

struct pt_hshard {
	pthread_mutex_t lock;
	struct pt_hslot *slots;
	uint32_t nslots, cap, free_head;
	uint32_t count;
};

struct pt_timeout {
	uint64_t sec;
	uint32_t nsec;
};

/* The server's own identity, which creds.c returns to after a caller's. */
struct pt_srvcreds {
	bool act;                  /* running as root: create as the caller */
	uint32_t gid;              /* the server's egid */
	size_t ngroups;            /* and its supplementary groups */
	gid_t *groups;
};

/*
 * Locks (lock.c): the host open file descriptions of lock owners, by
 * inode, and the SETLKW waiters, each on a thread of its own.
 */
#define PT_LSHARDS 16          /* owner table shards; a power of two */
#define PT_LOCK_WAITERS 256    /* SETLKW waiting at once; more: ENOLCK */
#define PT_LOCK_SIGNAL SIGURG  /* wakes a waiter; see passthrough.h */

struct pt_lkowner;
struct pt_lkwait;

struct pt_lkshard {
	pthread_mutex_t lock;
	struct pt_lkowner *head;
};

struct pt_locks {
	struct pt_lkshard shards[PT_LSHARDS];
	pthread_mutex_t wlock;     /* the waiters */
	pthread_cond_t wdone;      /* nwaiters reached 0 */
	struct pt_lkwait *waiters; /* those whose timer exists */
	unsigned nwaiters;         /* all, started or starting */
	atomic_bool stopping;      /* DESTROY: waiters give up */
};

struct pt_fs {
	struct fbr_pt_opts opts;
	char *source;
	int procfd;                /* /proc/self/fd, for reopening O_PATH fds */
	struct pt_inode *root;
	struct pt_ishard ishards[PT_ISHARDS];
	struct pt_hshard hshards[PT_HSHARDS];
	atomic_uint hnext;         /* round robin over handle shards */
	struct pt_devmap devmap;
	struct pt_fdcache fdcache;
	struct pt_timeout entry_to, attr_to;
	uint32_t fopen_flags;      /* for files, by cache mode */
	uint32_t dopen_flags;      /* for directories */
	bool writeback;            /* agreed at INIT */
	bool killpriv;
	bool passthrough;          /* FUSE passthrough agreed at INIT */
	bool backing_said;         /* a refused backing file logged */
	pthread_mutex_t backing_lock;
	struct pt_srvcreds srv;
	struct pt_locks locks;
};

/* inode.c: the inode table. */
int pt_itable_init(struct pt_fs *fs, int rootfd);
void pt_itable_fini(struct pt_fs *fs);
void pt_itable_reset(struct pt_fs *fs);
uint64_t pt_itable_count(struct pt_fs *fs);
int pt_inode_fd(const struct pt_inode *in);
/* Referenced, its fd open; or NULL with errno: ESTALE for a nodeid not in
   the table, or why the fd could not be reopened (EMFILE: out of fds). */
struct pt_inode *pt_inode_get(struct pt_fs *fs, uint64_t nodeid);
void pt_inode_put(struct pt_inode *in);
struct pt_inode *pt_inode_add(struct pt_fs *fs, int fd, const struct statx *st);
struct pt_inode *pt_inode_known(struct pt_fs *fs, const struct statx *st);
void pt_inode_forget(struct pt_fs *fs, uint64_t nodeid, uint64_t n);
bool pt_fds_reclaim(struct pt_fs *fs, int err);
uint64_t pt_dirent_ino(struct pt_fs *fs, const struct pt_inode *dir,
		       uint64_t d_ino);

/* handle.c: the handle table. */
void pt_htable_init(struct pt_fs *fs);
void pt_htable_fini(struct pt_fs *fs);
void pt_htable_reset(struct pt_fs *fs);
uint64_t pt_htable_count(struct pt_fs *fs);
int pt_handle_new(struct pt_fs *fs, int fd, struct pt_inode *in, bool dir,
		  uint64_t *fh);
struct pt_handle *pt_handle_get(struct pt_fs *fs, uint64_t fh, bool dir);
void pt_handle_put(struct pt_handle *h);
int pt_handle_del(struct pt_fs *fs, uint64_t fh, bool dir);

/* attr.c: attributes. */
int pt_statx(int fd, unsigned mask, int flags, struct statx *st);
/* The same of name in directory dirfd, not following a symlink. */
int pt_statx_at(int dirfd, const char *name, struct statx *st);
void pt_fill_attr(const struct statx *st, uint64_t ino, struct fuse_attr *a);
void pt_fill_entry(struct pt_fs *fs, const struct pt_inode *in,
		   const struct statx *st, struct fuse_entry_out *e);
int pt_chmod(struct pt_fs *fs, int fd, mode_t mode);
/* Attributes of nodeid changed by an operation whose reply carries none:
   the kernel's copy is stale, tell it. */
void pt_attrs_changed(const struct fbr_ctx *c, uint64_t nodeid);

/* backing.c: FUSE passthrough. */
void pt_backing_init(struct pt_fs *fs, struct fbr_conn *conn);
/* The backing id for a new open of in (fd: that open's; mode: the file's
   if known, else 0), or 0. */
int pt_backing_get(struct pt_fs *fs, const struct fbr_ctx *c,
		   struct pt_inode *in, int fd, uint32_t mode);
void pt_backing_put(struct pt_fs *fs, const struct fbr_ctx *c,
		    struct pt_inode *in);

/* killpriv.c: set-id bits cleared by the server. */
bool pt_kills(const struct pt_fs *fs, bool flagged);
/* flagged: the kernel asked for it, having found the caller unprivileged;
   nodeid: the inode's, when the reply carries no attributes, else 0. */
int pt_kill_suidgid(struct pt_fs *fs, const struct fbr_ctx *c, int fd,
		    bool flagged, uint64_t nodeid);
/* Before a chown (any: one that sets nothing): *mode is what to set
   after it, or (mode_t)-1; 1 when the chown must be left out. */
int pt_chown_kill(struct pt_fs *fs, const struct fbr_ctx *c, int fd,
		  uint32_t new_gid, bool any, mode_t *mode);

/* entry.c: names. */
bool pt_is_dot(const char *name);
bool pt_name_ok(const char *name);
int pt_negative_entry(struct pt_fs *fs, struct fuse_entry_out *e);
int pt_lookup_at(struct pt_fs *fs, struct pt_inode *dir, const char *name,
		 struct fuse_entry_out *e);
int pt_entry_from_fd(struct pt_fs *fs, int fd, struct fuse_entry_out *e,
		     struct pt_inode **inp);

/* file.c: reaching an fd through /proc/self/fd. */
#define PT_FDNAME_MAX 12
void pt_fdname(int fd, char name[PT_FDNAME_MAX]);
/* A real open of in; never of a device node (EACCES, as on nodev). */
int pt_reopen(struct pt_fs *fs, const struct pt_inode *in, int flags);

/* lock.c: locks held on the host. */
void pt_locks_init(struct pt_fs *fs);
void pt_locks_stop(struct pt_fs *fs);
void pt_locks_fini(struct pt_fs *fs);
void pt_locks_flush(struct pt_fs *fs, struct pt_handle *h, uint64_t owner);
void pt_locks_release(struct pt_fs *fs, const struct fuse_release_in *in);
int pt_getlk(void *fs, const struct fbr_ctx *c, uint64_t ino,
	     const struct fuse_lk_in *in, struct fuse_lk_out *out);
int pt_setlk(void *fs, const struct fbr_ctx *c, uint64_t ino,
	     const struct fuse_lk_in *in, bool sleep);

/*
 * creds.c: the calling thread acts for the caller between enter and leave,
 * when the server runs as root and the caller is someone else.  Resolve
 * inodes and fds before entering: only the creating syscall belongs
 * inside.
 */
struct pt_creds {
	bool groups;               /* what was switched, to switch back */
	bool gid;
	bool uid;
};
int pt_creds_init(struct pt_fs *fs);
void pt_creds_fini(struct pt_fs *fs);
int pt_creds_enter(struct pt_fs *fs, const struct fbr_ctx *c,
		   struct pt_creds *saved);
void pt_creds_leave(struct pt_fs *fs, const struct pt_creds *saved);

/* The operations, by file. */
int pt_lookup(void *fs, const struct fbr_ctx *c, uint64_t parent,
	      const char *name, struct fuse_entry_out *out);
void pt_forget(void *fs, uint64_t ino, uint64_t nlookup);
int pt_readlink(void *fs, const struct fbr_ctx *c, uint64_t ino, char *buf,
		size_t size);
int pt_symlink(void *fs, const struct fbr_ctx *c, uint64_t parent,
	       const char *name, const char *target, struct fuse_entry_out *out);
int pt_mknod(void *fs, const struct fbr_ctx *c, uint64_t parent,
	     const char *name, const struct fuse_mknod_in *in,
	     struct fuse_entry_out *out);
int pt_mkdir(void *fs, const struct fbr_ctx *c, uint64_t parent,
	     const char *name, const struct fuse_mkdir_in *in,
	     struct fuse_entry_out *out);
int pt_unlink(void *fs, const struct fbr_ctx *c, uint64_t parent,
	      const char *name);
int pt_rmdir(void *fs, const struct fbr_ctx *c, uint64_t parent,
	     const char *name);
int pt_rename(void *fs, const struct fbr_ctx *c, uint64_t olddir,
	      const char *oldname, uint64_t newdir, const char *newname,
	      uint32_t flags);
int pt_link(void *fs, const struct fbr_ctx *c, uint64_t ino,
	    uint64_t newparent, const char *newname, struct fuse_entry_out *out);

int pt_getattr(void *fs, const struct fbr_ctx *c, uint64_t ino,
	       const struct fuse_getattr_in *in, struct fuse_attr_out *out);
int pt_setattr(void *fs, const struct fbr_ctx *c, uint64_t ino,
	       const struct fuse_setattr_in *in, struct fuse_attr_out *out);
int pt_statx_op(void *fs, const struct fbr_ctx *c, uint64_t ino,
		const struct fuse_statx_in *in, struct fuse_statx_out *out);
int pt_statfs(void *fs, const struct fbr_ctx *c, uint64_t ino,
	      struct fuse_kstatfs *out);
int pt_access(void *fs, const struct fbr_ctx *c, uint64_t ino, uint32_t mask);

int pt_open(void *fs, const struct fbr_ctx *c, uint64_t ino,
	    const struct fuse_open_in *in, struct fuse_open_out *out);
int pt_create(void *fs, const struct fbr_ctx *c, uint64_t parent,
	      const char *name, const struct fuse_create_in *in,
	      struct fuse_entry_out *entry, struct fuse_open_out *open);
int pt_tmpfile(void *fs, const struct fbr_ctx *c, uint64_t parent,
	       const char *name, const struct fuse_create_in *in,
	       struct fuse_entry_out *entry, struct fuse_open_out *open);
int pt_read(void *fs, const struct fbr_ctx *c, uint64_t ino,
	    const struct fuse_read_in *in, const struct iovec *dst, int dstcnt);
int pt_write(void *fs, const struct fbr_ctx *c, uint64_t ino,
	     const struct fuse_write_in *in, const struct iovec *src,
	     int srccnt);
int pt_flush(void *fs, const struct fbr_ctx *c, uint64_t ino,
	     const struct fuse_flush_in *in);
int pt_release(void *fs, const struct fbr_ctx *c, uint64_t ino,
	       const struct fuse_release_in *in);
int pt_sync_handle(struct pt_fs *fs, const struct fuse_fsync_in *in, bool dir);
int pt_fsync(void *fs, const struct fbr_ctx *c, uint64_t ino,
	     const struct fuse_fsync_in *in);
int pt_fallocate(void *fs, const struct fbr_ctx *c, uint64_t ino,
		 const struct fuse_fallocate_in *in);
int pt_lseek(void *fs, const struct fbr_ctx *c, uint64_t ino,
	     const struct fuse_lseek_in *in, struct fuse_lseek_out *out);
int pt_copy_file_range(void *fs, const struct fbr_ctx *c, uint64_t ino,
		       const struct fuse_copy_file_range_in *in,
		       uint64_t *copied);

int pt_opendir(void *fs, const struct fbr_ctx *c, uint64_t ino,
	       const struct fuse_open_in *in, struct fuse_open_out *out);
int pt_readdir(void *fs, const struct fbr_ctx *c, uint64_t ino,
	       const struct fuse_read_in *in, struct fbr_dirbuf *buf);
int pt_readdirplus(void *fs, const struct fbr_ctx *c, uint64_t ino,
		   const struct fuse_read_in *in, struct fbr_dirbuf *buf);
int pt_releasedir(void *fs, const struct fbr_ctx *c, uint64_t ino,
		  const struct fuse_release_in *in);
int pt_fsyncdir(void *fs, const struct fbr_ctx *c, uint64_t ino,
		const struct fuse_fsync_in *in);

int pt_setxattr(void *fs, const struct fbr_ctx *c, uint64_t ino,
		const struct fuse_setxattr_in *in, const char *name,
		const void *value);
int pt_getxattr(void *fs, const struct fbr_ctx *c, uint64_t ino,
		const char *name, void *buf, size_t size);
int pt_listxattr(void *fs, const struct fbr_ctx *c, uint64_t ino, char *buf,
		 size_t size);
int pt_removexattr(void *fs, const struct fbr_ctx *c, uint64_t ino,
		   const char *name);

/* Refuse a modifying operation on a read-only mount. */
#define PT_WRITABLE(fs) \
	do { \
		if ((fs)->opts.readonly) \
			return -EROFS; \
	} while (0)

#endif
