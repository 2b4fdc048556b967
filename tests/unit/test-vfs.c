/*
 * The vfs driver: its path table and its numbering on their own, then
 * end to end, raw FUSE requests through the memory transport and the
 * dispatcher to a vfs holding one scratch directory twice (at /a and at
 * /b/c, so both backends have the very same inode numbers) through the
 * passthrough driver.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fbr/passthrough.h"
#include "drivers/passthrough/pt.h"
#include "drivers/vfs/vfsi.h"
#include "transports/memory.h"
#include "ptcall.h"
#include "tap.h"

#define HI(id) ((id) >> VFS_SHIFT)

static struct fbr_driver vfs, pt[2];
static char scratch[] = "/tmp/fbr-vfs-XXXXXX";

/* --- The path table --- */

static int check(size_t *bad, size_t n, ...)
{
	const char *paths[8];
	va_list ap;

	va_start(ap, n);
	for (size_t i = 0; i < n; i++)
		paths[i] = va_arg(ap, const char *);
	va_end(ap);
	return fbr_vfs_check(paths, n, bad);
}

static void test_paths(void)
{
	size_t bad;

	is_int(check(&bad, 3, "/a", "/b/c", "/b/d"), 0, "siblings under a pseudo dir");
	is_int(check(&bad, 2, "//x//y/", "/x/z"), 0, "extra slashes are one");
	is_int(check(&bad, 1, "a"), -EINVAL, "a relative path: EINVAL");
	is_int(check(&bad, 1, "/"), -EINVAL, "/ itself: EINVAL");
	is_int(check(&bad, 1, ""), -EINVAL, "empty: EINVAL");
	is_int(check(&bad, 1, "/a/./b"), -EINVAL, "a . name: EINVAL");
	is_int(check(&bad, 1, "/a/../b"), -EINVAL, "a .. name: EINVAL");
	is_int(check(&bad, 2, "/a", "/a/"), -EEXIST, "a path twice: EEXIST");
	is_int((long long)bad, 1, "...the second is named");
	is_int(check(&bad, 3, "/z", "/a", "/a/b"), -EBUSY,
	       "a path inside another: EBUSY");
	is_int((long long)bad, 2, "...the inner one is named");
	is_int(check(&bad, 2, "/a/b", "/a"), -EBUSY,
	       "a path holding another: EBUSY");
	is_int((long long)bad, 1, "...the outer one is named");

	char longname[300];
	memset(longname, 'n', sizeof(longname));
	longname[0] = '/';
	longname[sizeof(longname) - 1] = '\0';
	is_int(check(&bad, 1, longname), -EINVAL, "a name over NAME_MAX: EINVAL");

	struct vfs_tree t;
	vfs_tree_init(&t);
	int a = vfs_tree_add(&t, "/a", 0), c = vfs_tree_add(&t, "/b/c", 1);
	int b = vfs_tree_child(&t, 0, "b");
	ok(a > 0 && b > 0 && c > 0, "nodes for /a, /b and /b/c");
	is_int(t.nodes[b].backend, -1, "/b is a pseudo directory");
	is_int(t.nodes[c].parent, b, "/b/c lies in /b");
	is_int(t.nodes[c].backend, 1, "/b/c is backend 1's place");
	is_int(vfs_tree_child(&t, 0, "c"), -1, "c is not in /");
	is_int(vfs_tree_node(&t, 1), 0, "inode 1 is the root");
	is_int(vfs_tree_node(&t, t.n + 1), -1, "an inode past the tree: none");
	vfs_tree_fini(&t);

	const char *many[FBR_VFS_MAX + 1];
	char names[FBR_VFS_MAX + 1][8];
	for (int i = 0; i <= FBR_VFS_MAX; i++) {
		snprintf(names[i], sizeof(names[i]), "/m%d", i);
		many[i] = names[i];
	}
	is_int(fbr_vfs_check(many, FBR_VFS_MAX, &bad), 0, "127 mounts");
	is_int(fbr_vfs_check(many, FBR_VFS_MAX + 1, &bad), -E2BIG,
	       "a 128th: E2BIG");
}

/* --- Numbers --- */

static void test_ids(void)
{
	struct vfs_inomap m;
	uint64_t big = 1ULL << 63 | 5, x, y;

	is_int((long long)vfs_id(3, 42), (long long)(3ULL << 56 | 42),
	       "nodeid: index in the top 8 bits");
	is_int(vfs_idx(3ULL << 56 | 42), 3, "index back");
	is_int((long long)vfs_low(3ULL << 56 | 42), 42, "own nodeid back");
	is_int((long long)vfs_id(3, 0), 0, "nodeid 0 stays 0");

	vfs_inomap_init(&m);
	is_int((long long)vfs_ino(&m, 1, 7), (long long)(1ULL << 56 | 7),
	       "st_ino below 2^56: the index on top");
	ok(vfs_ino(&m, 1, 7) != vfs_ino(&m, 2, 7),
	   "the same st_ino in two backends: two numbers");
	is_int((long long)vfs_ino(&m, 1, 0), 0, "st_ino 0 stays 0");
	x = vfs_ino(&m, 1, big);
	y = vfs_ino(&m, 2, big);
	ok(HI(x) == (1 | VFS_BIG) && HI(y) == (2 | VFS_BIG),
	   "st_ino of 2^56 and more: a number of the big range");
	ok(x != y, "...apart for two backends");
	is_int((long long)vfs_ino(&m, 1, big), (long long)x, "...and kept");
	ok(vfs_ino(&m, 1, big + 1) != x, "...another st_ino, another number");
	ok(vfs_ino(&m, 1, VFS_LOW) == (1ULL << 56 | VFS_LOW),
	   "2^56 - 1 still folds");
	vfs_inomap_fini(&m);
}

/* --- End to end --- */

static int mkdir_(uint64_t parent, const char *name)
{
	struct fuse_mkdir_in in = { .mode = 0755 };
	struct fuse_entry_out e;
	struct part p[] = { P(in), S(name) };

	return tc_take(tc_call(FUSE_MKDIR, parent, p, 2), &e, sizeof(e));
}

static int rename_(uint64_t olddir, const char *old, uint64_t newdir,
		   const char *new)
{
	struct fuse_rename_in in = { .newdir = newdir };
	struct part p[] = { P(in), S(old), S(new) };

	return tc_call(FUSE_RENAME, olddir, p, 3).error;
}

static int link_(uint64_t ino, uint64_t newdir, const char *name)
{
	struct fuse_link_in in = { .oldnodeid = ino };
	struct fuse_entry_out e;
	struct part p[] = { P(in), S(name) };

	return tc_take(tc_call(FUSE_LINK, newdir, p, 2), &e, sizeof(e));
}

static uint64_t inodes(int i)
{
	struct fbr_pt_stats st;

	fbr_passthrough_stats(&pt[i], &st);
	return st.inodes;
}

/* A listing, READDIR or READDIRPLUS, from offset 0 in one go. */
struct entry {
	char name[32];
	uint64_t ino, nodeid;
};

static int list(uint64_t dir, bool plus, struct entry *out, int max)
{
	struct fuse_open_in oi = { 0 };
	struct fuse_open_out oo;
	struct fuse_read_in ri = { .size = 65536 };
	struct reply r;
	int n = 0;

	if (tc_take(tc_call1(FUSE_OPENDIR, dir, &oi, sizeof(oi)), &oo, sizeof(oo)))
		return -1;
	ri.fh = oo.fh;
	r = tc_call1(plus ? FUSE_READDIRPLUS : FUSE_READDIR, dir, &ri, sizeof(ri));
	for (size_t p = 0; !r.error && p < r.len && n < max; n++) {
		const unsigned char *rec = r.data + p;
		struct fuse_entry_out e = { 0 };
		struct fuse_dirent d;

		if (plus) {
			memcpy(&e, rec, sizeof(e));
			rec += sizeof(e);
		}
		memcpy(&d, rec, sizeof(d));
		snprintf(out[n].name, sizeof(out[n].name), "%.*s",
			 (int)d.namelen, (const char *)rec + FUSE_NAME_OFFSET);
		out[n].ino = d.ino;
		out[n].nodeid = e.nodeid;
		p += FUSE_DIRENT_ALIGN((plus ? FUSE_NAME_OFFSET_DIRENTPLUS
					     : FUSE_NAME_OFFSET) + d.namelen);
	}
	struct fuse_release_in rel = { .fh = oo.fh };
	tc_call1(FUSE_RELEASEDIR, dir, &rel, sizeof(rel));
	return r.error ? r.error : n;
}

static const struct entry *find(const struct entry *l, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(l[i].name, name))
			return &l[i];
	return NULL;
}

static void forget(uint64_t nodeid, uint64_t n)
{
	struct fuse_forget_in in = { .nlookup = n };

	tc_call1(FUSE_FORGET, nodeid, &in, sizeof(in));
}

/* Two backends, backend 0 with writeback when wb0: returns INIT's flags. */
static uint64_t start(bool wb0)
{
	struct fbr_pt_opts o = { .source = scratch, .cache = FBR_PT_CACHE_AUTO,
				 .entry_timeout = -1, .attr_timeout = -1 };
	struct fbr_session_opts so = { .max_write = 1U << 20 };
	struct fuse_init_in in = { .major = FUSE_KERNEL_VERSION, .minor = 45,
				   .max_readahead = 65536 };
	uint64_t flags = FUSE_WRITEBACK_CACHE | FUSE_DO_READDIRPLUS |
			 FUSE_EXPORT_SUPPORT | FUSE_POSIX_LOCKS;
	struct fuse_init_out out;

	in.flags = (uint32_t)(flags | FUSE_INIT_EXT);
	o.writeback = wb0;
	if (fbr_passthrough_new(&o, &pt[0]) || fbr_vfs_new(&vfs))
		exit(99);
	o.writeback = true;
	if (fbr_passthrough_new(&o, &pt[1]) ||
	    fbr_vfs_add(&vfs, "/a", &pt[0]) || fbr_vfs_add(&vfs, "/b/c", &pt[1]))
		exit(99);
	tc_sess = fbr_session_new(&vfs, &so);
	if (!tc_sess || tc_take(tc_call1(FUSE_INIT, 0, &in, sizeof(in)), &out,
			  sizeof(out)))
		exit(99);
	return out.flags | (uint64_t)out.flags2 << 32;
}

static void stop(void)
{
	fbr_session_free(tc_sess);
	fbr_vfs_free(&vfs);
	fbr_passthrough_free(&pt[0]);
	fbr_passthrough_free(&pt[1]);
}

static void test_init(void)
{
	uint64_t flags = start(false);
	const struct pt_fs *fs1 = pt[1].fs;

	ok(!(flags & FUSE_WRITEBACK_CACHE),
	   "INIT: writeback, wanted by one backend only, is not granted");
	ok(!fs1->writeback, "...and the backend that wanted it knows");
	ok(flags & FUSE_DO_READDIRPLUS, "INIT: what both want is granted");
	stop();
	flags = start(true);
	ok(flags & FUSE_WRITEBACK_CACHE, "INIT: writeback wanted by both: granted");
	stop();
}

static void test_tree(void)
{
	struct fuse_entry_out a, b, c, nope;
	struct fuse_attr_out ao;
	struct fuse_getattr_in gi = { 0 };

	is_int(tc_lookup(FUSE_ROOT_ID, "a", &a), 0, "lookup /a");
	is_int((long long)a.nodeid, (long long)vfs_id(1, FUSE_ROOT_ID),
	       "/a is backend 1's root");
	is_int((long long)HI(a.attr.ino), 1, "...its st_ino carries index 1");
	is_int(tc_lookup(FUSE_ROOT_ID, "b", &b), 0, "lookup /b");
	ok(HI(b.nodeid) == 0 && b.attr.mode == (S_IFDIR | 0555),
	   "/b is a pseudo directory, mode 0555");
	is_int(b.attr.ino, (long long)b.nodeid, "...its st_ino is its nodeid");
	is_int(tc_lookup(b.nodeid, "c", &c), 0, "lookup /b/c");
	is_int((long long)c.nodeid, (long long)vfs_id(2, FUSE_ROOT_ID),
	       "/b/c is backend 2's root");
	is_int(tc_lookup(FUSE_ROOT_ID, "nope", &nope), -ENOENT, "lookup /nope: ENOENT");
	is_int(tc_lookup(c.nodeid, "..", &nope), 0, "lookup .. in /b/c");
	is_int((long long)nope.nodeid, (long long)b.nodeid, "...is /b");
	is_int(tc_take(tc_call1(FUSE_GETATTR, b.nodeid, &gi, sizeof(gi)), &ao,
		    sizeof(ao)), 0, "getattr /b");
	is_int(ao.attr.nlink, 3, "...nlink 2 and one child");
	is_int(tc_take(tc_call1(FUSE_GETATTR, vfs_id(9, 5), &gi, sizeof(gi)), &ao,
		    sizeof(ao)), -ESTALE, "getattr of no backend's nodeid: ESTALE");
	is_int(tc_take(tc_call1(FUSE_GETATTR, 99, &gi, sizeof(gi)), &ao, sizeof(ao)),
	       -ESTALE, "getattr of no pseudo node: ESTALE");
}

static void test_writes_refused(void)
{
	struct fuse_entry_out b, a;
	struct fuse_access_in acc = { .mask = W_OK };
	struct fuse_setattr_in sa = { .valid = FATTR_MODE, .mode = 0777 };

	tc_lookup(FUSE_ROOT_ID, "b", &b);
	tc_lookup(FUSE_ROOT_ID, "a", &a);
	is_int(mkdir_(FUSE_ROOT_ID, "x"), -EROFS, "mkdir in /: EROFS");
	is_int(mkdir_(b.nodeid, "x"), -EROFS, "mkdir in /b: EROFS");
	is_int(rename_(FUSE_ROOT_ID, "a", FUSE_ROOT_ID, "z"), -EROFS,
	       "rename of /a: EROFS");
	is_int(tc_call1(FUSE_SETATTR, b.nodeid, &sa, sizeof(sa)).error, -EROFS,
	       "chmod /b: EROFS");
	is_int(tc_call1(FUSE_ACCESS, b.nodeid, &acc, sizeof(acc)).error, -EROFS,
	       "access W_OK on /b: EROFS");
	acc.mask = R_OK | X_OK;
	is_int(tc_call1(FUSE_ACCESS, b.nodeid, &acc, sizeof(acc)).error, 0,
	       "access R_OK|X_OK on /b: allowed");
	is_int(mkdir_(a.nodeid, "made"), 0, "mkdir in /a: made");
	ok(access("made", F_OK) == 0, "...on the host");
}

static void test_across(void)
{
	struct fuse_entry_out a, b, c, fa, fc;

	close(open("f", O_CREAT | O_WRONLY, 0644));
	tc_lookup(FUSE_ROOT_ID, "a", &a);
	tc_lookup(FUSE_ROOT_ID, "b", &b);
	tc_lookup(b.nodeid, "c", &c);
	is_int(tc_lookup(a.nodeid, "f", &fa), 0, "lookup /a/f");
	is_int(tc_lookup(c.nodeid, "f", &fc), 0, "lookup /b/c/f, the same host file");
	ok(HI(fa.nodeid) == 1 && HI(fc.nodeid) == 2,
	   "their nodeids carry their backends");
	ok(fa.attr.ino != fc.attr.ino, "their st_ino differ");
	is_int((long long)vfs_low(fa.attr.ino), (long long)vfs_low(fc.attr.ino),
	       "...in the index only");
	is_int(rename_(a.nodeid, "f", c.nodeid, "g"), -EXDEV,
	       "rename across backends: EXDEV");
	is_int(link_(fa.nodeid, c.nodeid, "g"), -EXDEV,
	       "link across backends: EXDEV");
	is_int(rename_(a.nodeid, "f", FUSE_ROOT_ID, "g"), -EROFS,
	       "rename into a pseudo directory: EROFS");
	is_int(rename_(a.nodeid, "f", a.nodeid, "g"), 0, "rename within /a");
	is_int(link_(fa.nodeid, a.nodeid, "f"), 0, "link within /a");
	ok(!access("f", F_OK) && !access("g", F_OK), "...on the host");

	struct fuse_open_in oi = { .flags = O_RDWR };
	struct fuse_open_out oa, oc;
	tc_take(tc_call1(FUSE_OPEN, fa.nodeid, &oi, sizeof(oi)), &oa, sizeof(oa));
	tc_take(tc_call1(FUSE_OPEN, fc.nodeid, &oi, sizeof(oi)), &oc, sizeof(oc));
	struct fuse_copy_file_range_in cf = { .fh_in = oa.fh,
		.nodeid_out = fc.nodeid, .fh_out = oc.fh, .len = 1 };
	is_int(tc_call1(FUSE_COPY_FILE_RANGE, fa.nodeid, &cf, sizeof(cf)).error,
	       -EXDEV, "copy_file_range across backends: EXDEV");
	struct fuse_release_in rel = { .fh = oa.fh };
	is_int(tc_call1(FUSE_RELEASE, fa.nodeid, &rel, sizeof(rel)).error, 0,
	       "release in backend 1");
	rel.fh = oc.fh;
	is_int(tc_call1(FUSE_RELEASE, fc.nodeid, &rel, sizeof(rel)).error, 0,
	       "release in backend 2");
	uint64_t before = inodes(0);
	forget(fa.nodeid, 3);
	is_int((long long)inodes(0), (long long)before - 1,
	       "forget of /a/f reaches backend 1");
	before = inodes(1);
	forget(fc.nodeid, 1);
	is_int((long long)inodes(1), (long long)before - 1,
	       "forget of /b/c/f reaches backend 2");
	forget(a.nodeid, 5);
	forget(b.nodeid, 5);
	is_int(tc_lookup(a.nodeid, "g", &fa), 0, "roots outlive forgets");
	forget(fa.nodeid, 1);
}

static void test_listings(void)
{
	struct entry l[16];
	const struct entry *e;
	int n;

	n = list(FUSE_ROOT_ID, true, l, 16);
	is_int(n, 4, "readdirplus /: . .. a b");
	e = find(l, n, "a");
	ok(e && e->nodeid == vfs_id(1, FUSE_ROOT_ID) && HI(e->ino) == 1,
	   "...a is backend 1's root");
	e = find(l, n, "b");
	ok(e && HI(e->nodeid) == 0 && e->nodeid == e->ino,
	   "...b is a pseudo directory");
	n = list(FUSE_ROOT_ID, false, l, 16);
	is_int(n, 4, "readdir /: . .. a b");
	e = find(l, n, "a");
	ok(e && HI(e->ino) == 1, "...a's d_ino carries index 1");

	struct fuse_entry_out c, b, f;
	tc_lookup(FUSE_ROOT_ID, "b", &b);
	tc_lookup(b.nodeid, "c", &c);
	tc_lookup(c.nodeid, "g", &f);
	uint64_t before = inodes(1);
	n = list(c.nodeid, true, l, 16);
	ok(n >= 4, "readdirplus /b/c: the host's entries");
	e = find(l, n, "g");
	ok(e && e->nodeid == f.nodeid && e->ino == f.attr.ino,
	   "...g: the nodeid and st_ino lookup gives");
	int wrong = 0;
	for (int i = 0; i < n; i++) {
		wrong += HI(l[i].ino) != 2;
		if (l[i].nodeid) {
			wrong += HI(l[i].nodeid) != 2;
			forget(l[i].nodeid, 1);
		}
	}
	is_int(wrong, 0, "...every entry's numbers carry index 2");
	is_int((long long)inodes(1), (long long)before,
	       "...and their forgets reach backend 2");
	n = list(c.nodeid, false, l, 16);
	e = find(l, n, "g");
	ok(e && e->ino == f.attr.ino, "readdir /b/c: g's d_ino is lookup's");
	forget(f.nodeid, 1);
}

static void test_statfs(void)
{
	struct fuse_statfs_out root, a;
	struct fuse_entry_out ea;

	tc_lookup(FUSE_ROOT_ID, "a", &ea);
	is_int(tc_take(tc_call1(FUSE_STATFS, FUSE_ROOT_ID, NULL, 0), &root,
		    sizeof(root)), 0, "statfs /");
	ok(root.st.blocks == 0 && root.st.namelen == 255,
	   "...the pseudo tree's: no blocks");
	is_int(tc_take(tc_call1(FUSE_STATFS, ea.nodeid, NULL, 0), &a, sizeof(a)), 0,
	       "statfs /a");
	ok(a.st.blocks > 0, "...the source's");
}

static int rm(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	return remove(p);
}

int main(void)
{
	test_paths();
	test_ids();
	if (!mkdtemp(scratch) || chdir(scratch) ||
	    fbr_memsink_init(&tc_sink, 1U << 20))
		return 99;
	test_init();
	start(false);
	test_tree();
	test_writes_refused();
	test_across();
	test_listings();
	test_statfs();
	stop();
	fbr_memsink_release(&tc_sink);
	if (chdir("/") == 0)
		nftw(scratch, rm, 16, FTW_DEPTH | FTW_PHYS);
	return done_testing();
}
