/*
 * The inode table: every nodeid the kernel holds names one host inode,
 * known by (st_dev, st_ino, mount id) and reached by an O_PATH fd.  The
 * table is split into shards by a hash of that key, and a nodeid carries
 * its shard in its low bits, so both hashes of an inode (by nodeid, by key)
 * sit under one shard lock.  A lookup count says how many times the kernel
 * was handed the nodeid; a reference count keeps the inode alive while an
 * operation uses it, so a FORGET racing with it never closes its fd.  The
 * st_ino reported to the kernel is folded with a number for (dev, mount) so
 * it stays unique when the source spans several filesystems.
 *
 * The kernel may hold far more nodeids than the process may hold fds, so
 * an inode also keeps its file handle (name_to_handle_at), and the fds of
 * inodes nobody references sit in a cache bounded by RLIMIT_NOFILE: past
 * its budget, the least recently opened are closed, and pt_inode_get()
 * opens them again from the handle.  Reopening happens there, under the
 * server's own credentials, never later inside an operation: the caller
 * of pt_inode_get() may switch credentials, and open_by_handle_at needs
 * CAP_DAC_READ_SEARCH.  Where there are no handles (a filesystem without
 * them, or no such capability) inodes keep their fd open, as they must.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "drivers/passthrough/pt.h"

#define SHARD_BITS 6
#define INO_BITS 48     /* st_ino below 2^48 and few devices: folded */
#define BIG_INO (1ULL << 63)
#define EVICT_BATCH 16  /* fds closed per pass, once the locks are dropped */
#define EVICT_SCAN 64   /* inodes looked at per insert: in-use ones go round */

_Static_assert((1 << SHARD_BITS) == PT_ISHARDS, "shard bits");

union handle_buf {
	struct file_handle fh;
	unsigned char bytes[sizeof(struct file_handle) + MAX_HANDLE_SZ];
};

/*
 * The one way to the host inode.  Valid while the caller holds the
 * reference pt_inode_get() or pt_inode_add() gave it: a referenced
 * inode's fd is open and stays so.
 */
int pt_inode_fd(const struct pt_inode *in)
{
	return in->fd;
}

static uint64_t mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

static uint64_t key_hash(const struct pt_key *k)
{
	return mix(k->ino ^ mix(k->dev ^ mix(k->mnt)));
}

static bool key_eq(const struct pt_key *a, const struct pt_key *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->mnt == b->mnt;
}

static struct pt_inode **id_slot(struct pt_ishard *s, uint64_t nodeid)
{
	return &s->by_id[(nodeid >> SHARD_BITS) & (s->nbuckets - 1)];
}

static struct pt_inode **key_slot(struct pt_ishard *s, const struct pt_key *k)
{
	return &s->by_key[(key_hash(k) >> SHARD_BITS) & (s->nbuckets - 1)];
}

/* Number (dev, mnt) pairs: the source's own is 0. */
static uint32_t devidx_of(struct pt_devmap *m, uint64_t dev, uint64_t mnt)
{
	uint32_t i;

	pthread_mutex_lock(&m->lock);
	for (i = 0; i < m->ndevs; i++)
		if (m->devs[i].dev == dev && m->devs[i].mnt == mnt)
			goto out_unlock;
	if (m->ndevs == m->cap) {
		uint32_t cap = m->cap ? m->cap * 2 : 8;
		void *n = realloc(m->devs, cap * sizeof(*m->devs));

		if (!n) {
			i = UINT32_MAX; /* unfoldable: a big ino */
			goto out_unlock;
		}
		m->devs = n;
		m->cap = cap;
	}
	m->devs[i].dev = dev;
	m->devs[i].mnt = mnt;
	m->devs[i].fd = -1;
	m->devs[i].users = 0;
	m->ndevs++;
out_unlock:
	pthread_mutex_unlock(&m->lock);
	return i;
}

/* st_ino values that do not fold get numbers of their own, for good. */
static uint64_t big_ino(struct pt_devmap *m, uint32_t devidx, uint64_t st_ino)
{
	struct pt_bigino **head = &m->big[mix(st_ino ^ devidx) % 64], *b;
	uint64_t ino = 0;

	pthread_mutex_lock(&m->lock);
	for (b = *head; b; b = b->next)
		if (b->devidx == devidx && b->st_ino == st_ino)
			break;
	if (!b && (b = malloc(sizeof(*b)))) {
		*b = (struct pt_bigino){ .next = *head, .devidx = devidx,
					 .st_ino = st_ino,
					 .ino = BIG_INO | ++m->nextbig };
		*head = b;
	}
	if (b)
		ino = b->ino;
	pthread_mutex_unlock(&m->lock);
	return ino ? ino : BIG_INO;
}

static uint64_t fold_ino(struct pt_fs *fs, uint32_t devidx, uint64_t st_ino)
{
	if (devidx < (1U << (63 - INO_BITS)) && st_ino < (1ULL << INO_BITS))
		return (uint64_t)devidx << INO_BITS | st_ino;
	return big_ino(&fs->devmap, devidx, st_ino);
}

uint64_t pt_dirent_ino(struct pt_fs *fs, const struct pt_inode *dir,
		       uint64_t d_ino)
{
	return fold_ino(fs, dir->devidx, d_ino);
}

/* A directory fd reopened as a real one: open_by_handle_at refuses O_PATH. */
static int reopen_dir(struct pt_fs *fs, int fd)
{
	char name[PT_FDNAME_MAX];

	pt_fdname(fd, name);
	return openat(fs->procfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/*
 * The fd to open handles of inodes on the mount devidx against (handles
 * decode in that fd's mount), counted as one more user; -1 if there is
 * none yet, and the inode keeps its fd.  It is made from the first
 * directory seen on the mount: the source itself, or the root of a mount
 * under it, since the kernel reaches a mount's other inodes only through
 * its root.  So it holds nothing the table does not hold already.
 */
static int mount_get(struct pt_fs *fs, uint32_t devidx, int fd, bool dir)
{
	struct pt_devmap *m = &fs->devmap;
	int mfd;

	if (devidx == UINT32_MAX)
		return -1;
	pthread_mutex_lock(&m->lock);
	mfd = m->devs[devidx].fd;
	if (mfd < 0 && dir)
		mfd = m->devs[devidx].fd = reopen_dir(fs, fd);
	if (mfd >= 0)
		m->devs[devidx].users++;
	pthread_mutex_unlock(&m->lock);
	return mfd;
}

/* The inode left the table: its mount's fd goes with the last such, so a
   mount under the source is not kept busy once the kernel forgot it. */
static void mount_put(struct pt_fs *fs, const struct pt_inode *in)
{
	struct pt_devmap *m = &fs->devmap;

	if (in->mntfd < 0)
		return;
	pthread_mutex_lock(&m->lock);
	if (--m->devs[in->devidx].users == 0) {
		close(m->devs[in->devidx].fd);
		m->devs[in->devidx].fd = -1;
	}
	pthread_mutex_unlock(&m->lock);
}

/* The handle of fd's inode, and its size; 0 when there is none to have. */
static size_t handle_of(struct pt_fs *fs, int fd, union handle_buf *hb)
{
	int mnt_id;

	if (!fs->fdcache.handles)
		return 0;
	hb->fh.handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(fd, "", &hb->fh, &mnt_id, AT_EMPTY_PATH) < 0)
		return 0; /* EOPNOTSUPP, EOVERFLOW: the fd stays open instead */
	return sizeof(hb->fh) + hb->fh.handle_bytes;
}

/* A new inode for fd (taken over only on success), with its handle if
   with_handle and there is one; not in the table yet. */
static struct pt_inode *inode_new(struct pt_fs *fs, int fd,
				  const struct statx *st, bool with_handle)
{
	union handle_buf hb;
	size_t hsize = with_handle ? handle_of(fs, fd, &hb) : 0;
	struct pt_inode *in = calloc(1, sizeof(*in) + hsize);

	if (!in)
		return NULL;
	in->key = (struct pt_key){
		.dev = makedev(st->stx_dev_major, st->stx_dev_minor),
		.ino = st->stx_ino, .mnt = st->stx_mnt_id };
	in->devidx = devidx_of(&fs->devmap, in->key.dev, in->key.mnt);
	in->ino = fold_ino(fs, in->devidx, in->key.ino);
	in->type = st->stx_mode & S_IFMT;
	in->fd = fd;
	in->mntfd = -1;
	if (hsize)
		in->mntfd = mount_get(fs, in->devidx, fd, S_ISDIR(st->stx_mode));
	if (in->mntfd >= 0) {
		in->handle = in + 1;
		memcpy(in->handle, &hb, hsize);
	}
	atomic_init(&in->refs, 1);
	return in;
}

static void inode_free(struct pt_inode *in)
{
	if (in->fd >= 0)
		close(in->fd);
	free(in);
}

static int shard_grow(struct pt_ishard *s)
{
	size_t n = s->nbuckets ? s->nbuckets * 2 : 16;
	struct pt_inode **id = calloc(n, sizeof(*id));
	struct pt_inode **key = calloc(n, sizeof(*key));
	struct pt_inode **old_key = s->by_key;
	size_t old_n = s->nbuckets;

	if (!id || !key)
		goto err_free;
	free(s->by_id);
	s->by_id = id;
	s->by_key = key;
	s->nbuckets = n;
	for (size_t i = 0; i < old_n; i++) {
		for (struct pt_inode *in = old_key[i], *next; in; in = next) {
			struct pt_inode **ks = key_slot(s, &in->key);

			next = in->key_next;
			in->key_next = *ks;
			*ks = in;
			if (in->nodeid == FUSE_ROOT_ID)
				continue; /* found by nodeid without the table */
			in->id_next = *id_slot(s, in->nodeid);
			*id_slot(s, in->nodeid) = in;
		}
	}
	free(old_key);
	return 0;
err_free:
	free(id);
	free(key);
	return -ENOMEM;
}

static struct pt_inode *find_key(struct pt_ishard *s, const struct pt_key *k)
{
	if (!s->nbuckets)
		return NULL;
	for (struct pt_inode *in = *key_slot(s, k); in; in = in->key_next)
		if (key_eq(&in->key, k) && !in->recycled)
			return in;
	return NULL;
}

/*
 * Whether an inode in the table is surely the one its key names now.  An
 * open fd pins the host inode, so its number cannot have been reused; one
 * the cache closed pins nothing, and once the file is removed the host may
 * give its number to a new file while the kernel still holds the old
 * nodeid: only the handle, which carries the generation, tells them apart.
 */
static bool pinned(const struct pt_inode *in)
{
	return in->fd >= 0;
}

static bool same_handle(const struct pt_inode *a, const struct pt_inode *b)
{
	const struct file_handle *x = a->handle, *y = b->handle;

	return x && y && x->handle_bytes == y->handle_bytes &&
	       !memcmp(x, y, sizeof(*x) + x->handle_bytes);
}

/* Link a new inode into its shard: the shard is locked. */
static int shard_insert(struct pt_ishard *s, unsigned idx, struct pt_inode *in,
			uint64_t nodeid)
{
	if (s->count >= s->nbuckets && shard_grow(s))
		return -ENOMEM;
	in->nodeid = nodeid ? nodeid : ++s->serial << SHARD_BITS | idx;
	in->key_next = *key_slot(s, &in->key);
	*key_slot(s, &in->key) = in;
	if (in->nodeid != FUSE_ROOT_ID) {
		in->id_next = *id_slot(s, in->nodeid);
		*id_slot(s, in->nodeid) = in;
	}
	s->count++;
	return 0;
}

static unsigned shard_of_key(const struct pt_key *k)
{
	return key_hash(k) & (PT_ISHARDS - 1);
}

/* Unlink from both hashes; the shard is locked. */
static void shard_remove(struct pt_ishard *s, struct pt_inode *in)
{
	struct pt_inode **p;

	for (p = key_slot(s, &in->key); *p != in; p = &(*p)->key_next)
		;
	*p = in->key_next;
	for (p = id_slot(s, in->nodeid); *p != in; p = &(*p)->id_next)
		;
	*p = in->id_next;
	s->count--;
}

/* The fd cache's list: most recently opened at the head. */
static void lru_link(struct pt_fdcache *c, struct pt_inode *in)
{
	in->lru_prev = NULL;
	in->lru_next = c->head;
	if (c->head)
		c->head->lru_prev = in;
	else
		c->tail = in;
	c->head = in;
	in->on_lru = true;
	c->count++;
}

static void lru_unlink(struct pt_fdcache *c, struct pt_inode *in)
{
	if (in->lru_prev)
		in->lru_prev->lru_next = in->lru_next;
	else
		c->head = in->lru_next;
	if (in->lru_next)
		in->lru_next->lru_prev = in->lru_prev;
	else
		c->tail = in->lru_prev;
	in->on_lru = false;
	c->count--;
}

/*
 * Close fds from the tail until no more than target are open, looking at
 * no more than scan inodes.  One that is referenced, or was got since the
 * last look, goes back to the head instead (a second chance, so the get
 * path never touches the list).  Its shard lock is only tried: a thread
 * holding it may be waiting for ours, and whoever holds it may be about to
 * reference the inode.  Cache locked; returns how many fds it put in fds,
 * to close once unlocked.
 */
static size_t evict_locked(struct pt_fs *fs, size_t target, size_t scan,
			   int fds[EVICT_BATCH])
{
	struct pt_fdcache *c = &fs->fdcache;
	size_t n = 0;

	while (c->count > target && c->tail && scan-- && n < EVICT_BATCH) {
		struct pt_inode *in = c->tail;
		struct pt_ishard *s = &fs->ishards[in->nodeid & (PT_ISHARDS - 1)];

		lru_unlink(c, in);
		if (pthread_mutex_trylock(&s->lock)) {
			lru_link(c, in);
			continue;
		}
		if (in->used || atomic_load(&in->refs) != 1) {
			in->used = false;
			lru_link(c, in);
		} else {
			fds[n++] = in->fd;
			in->fd = -1;
		}
		pthread_mutex_unlock(&s->lock);
	}
	return n;
}

static void close_fds(const int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		close(fds[i]);
}

/* in's fd was just opened: cache it, making room.  in's shard is locked. */
static size_t cache_insert(struct pt_fs *fs, struct pt_inode *in,
			   int fds[EVICT_BATCH])
{
	struct pt_fdcache *c = &fs->fdcache;
	size_t n;

	pthread_mutex_lock(&c->lock);
	lru_link(c, in);
	n = evict_locked(fs, c->budget, EVICT_SCAN, fds);
	pthread_mutex_unlock(&c->lock);
	return n;
}

/* in leaves the table; its shard is locked.  Nothing can get it again, so
   its fd stays open until the last reference goes. */
static void inode_unlink(struct pt_fs *fs, struct pt_ishard *s,
			 struct pt_inode *in)
{
	shard_remove(s, in);
	if (in->handle) {
		pthread_mutex_lock(&fs->fdcache.lock);
		if (in->on_lru)
			lru_unlink(&fs->fdcache, in);
		pthread_mutex_unlock(&fs->fdcache.lock);
	}
	mount_put(fs, in);
}

/*
 * An open failed with err (an errno): if for want of fds, close half of
 * the cached ones nobody uses.  True when some were, so one more try may
 * succeed.  Callers: every open the driver makes on the kernel's behalf.
 */
bool pt_fds_reclaim(struct pt_fs *fs, int err)
{
	struct pt_fdcache *c = &fs->fdcache;
	int fds[EVICT_BATCH];
	size_t n, total = 0, target, scan;

	if (err != EMFILE && err != ENFILE)
		return false;
	pthread_mutex_lock(&c->lock);
	target = c->count / 2;
	scan = c->count;
	pthread_mutex_unlock(&c->lock);
	do {
		pthread_mutex_lock(&c->lock);
		n = evict_locked(fs, target, scan, fds);
		pthread_mutex_unlock(&c->lock);
		close_fds(fds, n);
		total += n;
	} while (n == EVICT_BATCH);
	return total > 0;
}

/*
 * How many inode fds to keep open: half the soft limit, less a reserve
 * for the transport and the like; the other half is for open files and
 * directories (each also pins its inode's fd).
 */
static size_t fd_budget(void)
{
	struct rlimit rl;
	size_t n = 1024, reserve;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		n = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (1U << 20) ?
		    (1U << 20) : (size_t)rl.rlim_cur;
	reserve = n / 8 < 64 ? n / 8 : 64;
	return n / 2 > reserve + 8 ? n / 2 - reserve : 8;
}

/*
 * Whether inodes can be reopened by handle: the source's filesystem must
 * give handles, and open_by_handle_at needs CAP_DAC_READ_SEARCH in the
 * initial user namespace, which an unprivileged server lacks.
 */
static bool handles_work(struct pt_fs *fs, int rootfd)
{
	union handle_buf hb;
	int mnt_id, dfd, fd;

	hb.fh.handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(rootfd, "", &hb.fh, &mnt_id, AT_EMPTY_PATH) < 0)
		return false;
	dfd = reopen_dir(fs, rootfd);
	if (dfd < 0)
		return false;
	fd = open_by_handle_at(dfd, &hb.fh, O_PATH | O_CLOEXEC);
	close(dfd);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static void fdcache_init(struct pt_fs *fs, int rootfd)
{
	pthread_mutex_init(&fs->fdcache.lock, NULL);
	fs->fdcache.budget = fd_budget();
	fs->fdcache.handles = handles_work(fs, rootfd);
}

/*
 * in was in the table when its shard was locked with a fresh O_PATH fd on
 * it in hand (taken over): if the cache had closed in's fd, this one does.
 * Returns the fds the cache gave up for it.
 */
static size_t adopt_fd(struct pt_fs *fs, struct pt_inode *in, int fd,
		       int fds[EVICT_BATCH])
{
	in->used = true;
	if (in->fd >= 0) {
		close(fd);
		return 0;
	}
	in->fd = fd;
	return cache_insert(fs, in, fds);
}

/* Put fresh, made unlocked, in the table; shard s (idx) is locked. */
static int add_fresh(struct pt_fs *fs, struct pt_ishard *s, unsigned idx,
		     struct pt_inode *fresh, int fds[EVICT_BATCH], size_t *n)
{
	int err = shard_insert(s, idx, fresh, 0);

	if (!err && fresh->handle)
		*n = cache_insert(fs, fresh, fds);
	return err;
}

/*
 * The inode fd (an O_PATH fd, taken over) names, counted as one lookup:
 * the one in the table, or a new one.  Returns it with a reference.  A new
 * inode is made with the shard unlocked (its handle and mount take system
 * calls), so the table is searched again before it goes in.
 */
struct pt_inode *pt_inode_add(struct pt_fs *fs, int fd, const struct statx *st)
{
	struct pt_key k = { makedev(st->stx_dev_major, st->stx_dev_minor),
			    st->stx_ino, st->stx_mnt_id };
	unsigned idx = shard_of_key(&k);
	struct pt_ishard *s = &fs->ishards[idx];
	struct pt_inode *in, *fresh = NULL;
	int fds[EVICT_BATCH];
	size_t n = 0;

	pthread_mutex_lock(&s->lock);
	in = find_key(s, &k);
	if (!in || !pinned(in)) {
		pthread_mutex_unlock(&s->lock);
		fresh = inode_new(fs, fd, st, true);
		if (!fresh) {
			close(fd);
			return NULL;
		}
		pthread_mutex_lock(&s->lock);
		in = find_key(s, &k);
		if (in && !pinned(in) && !same_handle(in, fresh)) {
			in->recycled = true;
			in = NULL;
		}
	}
	if (in) {
		n = adopt_fd(fs, in, fd, fds);
	} else if (add_fresh(fs, s, idx, fresh, fds, &n)) {
		pthread_mutex_unlock(&s->lock);
		mount_put(fs, fresh);
		inode_free(fresh);
		return NULL;
	} else {
		in = fresh;
		fresh = NULL;
	}
	in->nlookup++;
	atomic_fetch_add(&in->refs, 1);
	pthread_mutex_unlock(&s->lock);
	close_fds(fds, n);
	if (fresh) { /* lost the race: its fd went to in, or was closed */
		mount_put(fs, fresh);
		fresh->fd = -1;
		inode_free(fresh);
	}
	return in;
}

/*
 * The inode st (a statx of a name) describes, when the table has it,
 * counted as one lookup and returned with a reference; else NULL.  Saves a
 * LOOKUP of a known inode the open of an O_PATH fd.
 */
struct pt_inode *pt_inode_known(struct pt_fs *fs, const struct statx *st)
{
	struct pt_key k = { makedev(st->stx_dev_major, st->stx_dev_minor),
			    st->stx_ino, st->stx_mnt_id };
	struct pt_ishard *s = &fs->ishards[shard_of_key(&k)];
	struct pt_inode *in;

	pthread_mutex_lock(&s->lock);
	in = find_key(s, &k);
	if (in && !pinned(in))
		in = NULL; /* maybe a number reused: pt_inode_add() checks */
	if (in) {
		in->used = true;
		in->nlookup++;
		atomic_fetch_add(&in->refs, 1);
	}
	pthread_mutex_unlock(&s->lock);
	return in;
}

static struct pt_inode *find_id(struct pt_ishard *s, uint64_t nodeid)
{
	struct pt_inode *in;

	for (in = s->nbuckets ? *id_slot(s, nodeid) : NULL; in; in = in->id_next)
		if (in->nodeid == nodeid)
			break;
	return in;
}

/*
 * The inode nodeid names, referenced, with its fd open: reopened from its
 * handle if the cache closed it.  NULL with *err: no such inode (ESTALE),
 * or the reopen's errno.
 */
static struct pt_inode *get_once(struct pt_fs *fs, uint64_t nodeid, int *err)
{
	struct pt_ishard *s = &fs->ishards[nodeid & (PT_ISHARDS - 1)];
	struct pt_inode *in;
	int fds[EVICT_BATCH], fd;
	size_t n = 0;

	*err = ESTALE;
	pthread_mutex_lock(&s->lock);
	in = find_id(s, nodeid);
	if (in && in->fd < 0) {
		fd = open_by_handle_at(in->mntfd, in->handle,
				       O_PATH | O_CLOEXEC);
		if (fd < 0) {
			*err = errno;
			in = NULL;
		} else {
			in->fd = fd;
			n = cache_insert(fs, in, fds);
		}
	}
	if (in) {
		atomic_fetch_add(&in->refs, 1);
		if (!in->used)
			in->used = true;
	}
	pthread_mutex_unlock(&s->lock);
	close_fds(fds, n);
	return in;
}

struct pt_inode *pt_inode_get(struct pt_fs *fs, uint64_t nodeid)
{
	struct pt_inode *in;
	int err;

	if (nodeid == FUSE_ROOT_ID) {
		atomic_fetch_add(&fs->root->refs, 1);
		return fs->root;
	}
	in = get_once(fs, nodeid, &err);
	if (!in && pt_fds_reclaim(fs, err))
		in = get_once(fs, nodeid, &err);
	if (!in)
		errno = err;
	return in;
}

void pt_inode_put(struct pt_inode *in)
{
	if (in && atomic_fetch_sub(&in->refs, 1) == 1)
		inode_free(in);
}

void pt_inode_forget(struct pt_fs *fs, uint64_t nodeid, uint64_t n)
{
	struct pt_ishard *s = &fs->ishards[nodeid & (PT_ISHARDS - 1)];
	struct pt_inode *in, *gone = NULL;

	if (nodeid == FUSE_ROOT_ID)
		return; /* the root stays */
	pthread_mutex_lock(&s->lock);
	in = find_id(s, nodeid);
	if (in) {
		in->nlookup -= n < in->nlookup ? n : in->nlookup;
		if (in->nlookup == 0) {
			inode_unlink(fs, s, in);
			gone = in;
		}
	}
	pthread_mutex_unlock(&s->lock);
	pt_inode_put(gone);
}

/*
 * The root: nodeid 1, in its key's shard, never forgotten, its fd always
 * open.  Takes rootfd.  Its mount's fd is made here, from the source
 * itself, and the root stays one of its users.
 */
int pt_itable_init(struct pt_fs *fs, int rootfd)
{
	struct statx st;
	unsigned idx;
	int err;

	for (int i = 0; i < PT_ISHARDS; i++)
		pthread_mutex_init(&fs->ishards[i].lock, NULL);
	pthread_mutex_init(&fs->devmap.lock, NULL);
	fdcache_init(fs, rootfd);
	err = pt_statx(rootfd, STATX_TYPE, 0, &st);
	if (!err && !S_ISDIR(st.stx_mode))
		err = -ENOTDIR;
	if (!err && !(fs->root = inode_new(fs, rootfd, &st, false)))
		err = -ENOMEM;
	if (err) {
		close(rootfd);
		return err;
	}
	if (fs->fdcache.handles)
		fs->root->mntfd = mount_get(fs, fs->root->devidx, rootfd, true);
	fs->root->nlookup = 1;
	idx = shard_of_key(&fs->root->key);
	return shard_insert(&fs->ishards[idx], idx, fs->root, FUSE_ROOT_ID);
}

/* The kernel forgot everything (DESTROY): keep only the root. */
void pt_itable_reset(struct pt_fs *fs)
{
	for (int i = 0; i < PT_ISHARDS; i++) {
		struct pt_ishard *s = &fs->ishards[i];
		struct pt_inode *gone = NULL;

		pthread_mutex_lock(&s->lock);
		for (size_t b = 0; b < s->nbuckets; b++) {
			for (struct pt_inode *in = s->by_key[b], *next; in; in = next) {
				next = in->key_next;
				if (in == fs->root)
					continue;
				inode_unlink(fs, s, in);
				in->id_next = gone;
				gone = in;
			}
		}
		pthread_mutex_unlock(&s->lock);
		while (gone) {
			struct pt_inode *next = gone->id_next;

			pt_inode_put(gone);
			gone = next;
		}
	}
}

void pt_itable_fini(struct pt_fs *fs)
{
	pt_itable_reset(fs);
	pt_inode_put(fs->root);
	for (int i = 0; i < PT_ISHARDS; i++) {
		free(fs->ishards[i].by_id);
		free(fs->ishards[i].by_key);
		pthread_mutex_destroy(&fs->ishards[i].lock);
	}
	for (int i = 0; i < 64; i++) {
		while (fs->devmap.big[i]) {
			struct pt_bigino *next = fs->devmap.big[i]->next;

			free(fs->devmap.big[i]);
			fs->devmap.big[i] = next;
		}
	}
	for (uint32_t i = 0; i < fs->devmap.ndevs; i++)
		if (fs->devmap.devs[i].fd >= 0)
			close(fs->devmap.devs[i].fd);
	free(fs->devmap.devs);
	pthread_mutex_destroy(&fs->devmap.lock);
	pthread_mutex_destroy(&fs->fdcache.lock);
}

uint64_t pt_itable_count(struct pt_fs *fs)
{
	uint64_t n = 0;

	for (int i = 0; i < PT_ISHARDS; i++) {
		pthread_mutex_lock(&fs->ishards[i].lock);
		n += fs->ishards[i].count;
		pthread_mutex_unlock(&fs->ishards[i].lock);
	}
	return n;
}
