/*
 * The inode table: every nodeid the kernel holds names one host inode,
 * known by (st_dev, st_ino, mount id) and pinned by an O_PATH fd.  The
 * table is split into shards by a hash of that key, and a nodeid carries
 * its shard in its low bits, so both hashes of an inode (by nodeid, by key)
 * sit under one shard lock.  A lookup count says how many times the kernel
 * was handed the nodeid; a reference count keeps the inode alive while an
 * operation uses it, so a FORGET racing with it never closes its fd.  The
 * st_ino reported to the kernel is folded with a number for (dev, mount) so
 * it stays unique when the source spans several filesystems.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "drivers/passthrough/pt.h"

#define SHARD_BITS 6
#define INO_BITS 48     /* st_ino below 2^48 and few devices: folded */
#define BIG_INO (1ULL << 63)

_Static_assert((1 << SHARD_BITS) == PT_ISHARDS, "shard bits");

/* The one way to the host inode: a later file-handle scheme hooks in here. */
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

static struct pt_inode *inode_new(struct pt_fs *fs, int fd,
				  const struct statx *st)
{
	struct pt_inode *in = calloc(1, sizeof(*in));

	if (!in)
		return NULL;
	in->key = (struct pt_key){
		.dev = makedev(st->stx_dev_major, st->stx_dev_minor),
		.ino = st->stx_ino, .mnt = st->stx_mnt_id };
	in->devidx = devidx_of(&fs->devmap, in->key.dev, in->key.mnt);
	in->ino = fold_ino(fs, in->devidx, in->key.ino);
	in->fd = fd;
	atomic_init(&in->refs, 1);
	return in;
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
		if (key_eq(&in->key, k))
			return in;
	return NULL;
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

/*
 * The inode fd (an O_PATH fd, taken over) names, counted as one lookup:
 * the one in the table, or a new one.  Returns it with a reference.
 */
struct pt_inode *pt_inode_add(struct pt_fs *fs, int fd, const struct statx *st)
{
	struct pt_key k = { makedev(st->stx_dev_major, st->stx_dev_minor),
			    st->stx_ino, st->stx_mnt_id };
	unsigned idx = shard_of_key(&k);
	struct pt_ishard *s = &fs->ishards[idx];
	struct pt_inode *in;

	pthread_mutex_lock(&s->lock);
	in = find_key(s, &k);
	if (in) {
		close(fd);
	} else {
		in = inode_new(fs, fd, st);
		if (!in || shard_insert(s, idx, in, 0)) {
			free(in);
			close(fd);
			in = NULL;
			goto out_unlock;
		}
	}
	in->nlookup++;
	atomic_fetch_add(&in->refs, 1);
out_unlock:
	pthread_mutex_unlock(&s->lock);
	return in;
}

struct pt_inode *pt_inode_get(struct pt_fs *fs, uint64_t nodeid)
{
	struct pt_ishard *s = &fs->ishards[nodeid & (PT_ISHARDS - 1)];
	struct pt_inode *in;

	if (nodeid == FUSE_ROOT_ID) {
		atomic_fetch_add(&fs->root->refs, 1);
		return fs->root;
	}
	pthread_mutex_lock(&s->lock);
	for (in = s->nbuckets ? *id_slot(s, nodeid) : NULL; in; in = in->id_next)
		if (in->nodeid == nodeid)
			break;
	if (in)
		atomic_fetch_add(&in->refs, 1);
	pthread_mutex_unlock(&s->lock);
	return in;
}

void pt_inode_put(struct pt_inode *in)
{
	if (in && atomic_fetch_sub(&in->refs, 1) == 1) {
		close(in->fd);
		free(in);
	}
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

void pt_inode_forget(struct pt_fs *fs, uint64_t nodeid, uint64_t n)
{
	struct pt_ishard *s = &fs->ishards[nodeid & (PT_ISHARDS - 1)];
	struct pt_inode *in, *gone = NULL;

	if (nodeid == FUSE_ROOT_ID)
		return; /* the root stays */
	pthread_mutex_lock(&s->lock);
	for (in = s->nbuckets ? *id_slot(s, nodeid) : NULL; in; in = in->id_next)
		if (in->nodeid == nodeid)
			break;
	if (in) {
		in->nlookup -= n < in->nlookup ? n : in->nlookup;
		if (in->nlookup == 0) {
			shard_remove(s, in);
			gone = in;
		}
	}
	pthread_mutex_unlock(&s->lock);
	pt_inode_put(gone);
}

/* The root: nodeid 1, in its key's shard, never forgotten.  Takes rootfd. */
int pt_itable_init(struct pt_fs *fs, int rootfd)
{
	struct statx st;
	unsigned idx;
	int err;

	for (int i = 0; i < PT_ISHARDS; i++)
		pthread_mutex_init(&fs->ishards[i].lock, NULL);
	pthread_mutex_init(&fs->devmap.lock, NULL);
	err = pt_statx(rootfd, STATX_TYPE, 0, &st);
	if (!err && !S_ISDIR(st.stx_mode))
		err = -ENOTDIR;
	if (!err && !(fs->root = inode_new(fs, rootfd, &st)))
		err = -ENOMEM;
	if (err) {
		close(rootfd);
		return err;
	}
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
				shard_remove(s, in);
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
	free(fs->devmap.devs);
	pthread_mutex_destroy(&fs->devmap.lock);
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
