/*
 * The passthrough driver acting for the caller: run as root, it must make
 * what a request creates (MKDIR, MKNOD, SYMLINK, CREATE, TMPFILE) owned by
 * the uid and gid in the request's header, follow the setgid directory
 * rule, use FUSE_CREATE_SUPP_GROUP's extra group, and leave the thread's
 * own credentials as they were.  Raw FUSE requests go through the memory
 * transport; the results are checked on the host.  Needs root.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fbr/passthrough.h"
#include "transports/memory.h"
#include "tap.h"

#define UID 65501
#define GID 65502
#define GROUP 4242       /* a group the caller is not in by its gid */
#define SRV_GROUP 4243   /* the server's own supplementary group */
#define NO_SUPP 0

static struct fbr_driver drv;
static struct fbr_session *sess;
static struct fbr_memsink sink;
static uint64_t next_unique = 1;
static uint64_t granted;            /* INIT's answer */
static char scratch[] = "/tmp/fbr-ptc-XXXXXX";
static int sfd = -1;

/* Who the next requests come from, and the extra group they carry. */
static uint32_t as_uid, as_gid, as_supp;

struct part {
	const void *p;
	size_t len;
};

#define P(x) { &(x), sizeof(x) }
#define S(s) { (s), strlen(s) + 1 }

/* The FUSE_EXT_GROUPS extension with one group. */
struct ext_group {
	struct fuse_ext_header h;
	struct fuse_supp_groups sg;
	uint32_t gid;  /* 16 bytes in all: a multiple of 8, as required */
};

/* Assemble a request from parts, the extension after them. */
static size_t build(unsigned char *buf, uint32_t opcode, uint64_t nodeid,
		    const struct part *parts, int nparts)
{
	struct fuse_in_header h = { .opcode = opcode, .unique = next_unique++,
				    .nodeid = nodeid, .uid = as_uid,
				    .gid = as_gid, .pid = (uint32_t)getpid() };
	struct ext_group x = {
		.h = { .size = 16, .type = FUSE_EXT_GROUPS },
		.sg = { .nr_groups = 1 }, .gid = as_supp,
	};
	size_t len = sizeof(h);

	for (int i = 0; i < nparts; i++) {
		memcpy(buf + len, parts[i].p, parts[i].len);
		len += parts[i].len;
	}
	if (as_supp) {
		memcpy(buf + len, &x, x.h.size);
		len += x.h.size;
		h.total_extlen = (uint16_t)(x.h.size / 8);
	}
	h.len = (uint32_t)len;
	memcpy(buf, &h, sizeof(h));
	return len;
}

/* Send; 0 and the payload copied to out, or the reply's errno. */
static int call(uint32_t opcode, uint64_t nodeid, const struct part *parts,
		int nparts, void *out, size_t size)
{
	static unsigned char buf[65536];
	struct fuse_out_header oh;
	size_t len = build(buf, opcode, nodeid, parts, nparts);

	fbr_memsink_clear(&sink);
	fbr_memory_dispatch(sess, buf, len, &sink);
	if (!sink.nreplies)
		return 1;
	memcpy(&oh, sink.reply, sizeof(oh));
	if (oh.error)
		return oh.error;
	if (oh.len - sizeof(oh) != size)
		return -1000;
	if (size)
		memcpy(out, sink.reply + sizeof(oh), size);
	return 0;
}

static void as(uint32_t uid, uint32_t gid, uint32_t supp)
{
	as_uid = uid;
	as_gid = gid;
	as_supp = supp;
}

static int mkdir_(uint64_t parent, const char *name, uint32_t mode)
{
	struct fuse_mkdir_in in = { .mode = mode };
	struct fuse_entry_out e;
	struct part p[] = { P(in), S(name) };

	return call(FUSE_MKDIR, parent, p, 2, &e, sizeof(e));
}

static int mknod_(uint64_t parent, const char *name, uint32_t mode)
{
	struct fuse_mknod_in in = { .mode = mode };
	struct fuse_entry_out e;
	struct part p[] = { P(in), S(name) };

	return call(FUSE_MKNOD, parent, p, 2, &e, sizeof(e));
}

static int symlink_(uint64_t parent, const char *name, const char *target)
{
	struct fuse_entry_out e;
	struct part p[] = { S(name), S(target) };

	return call(FUSE_SYMLINK, parent, p, 2, &e, sizeof(e));
}

struct created {
	struct fuse_entry_out e;
	struct fuse_open_out o;
};

static int create_(uint32_t opcode, uint64_t parent, const char *name,
		   uint32_t mode, struct created *c)
{
	struct fuse_create_in in = { .flags = O_RDWR | O_EXCL, .mode = mode };
	struct part p[] = { P(in), S(name) };

	return call(opcode, parent, p, 2, c, sizeof(*c));
}

static uint64_t lookup(uint64_t parent, const char *name)
{
	struct fuse_entry_out e;
	struct part p[] = { S(name) };

	return call(FUSE_LOOKUP, parent, p, 1, &e, sizeof(e)) ? 0 : e.nodeid;
}

static void release(uint64_t nodeid, uint64_t fh)
{
	struct fuse_release_in in = { .fh = fh };
	struct part p[] = { P(in) };

	call(FUSE_RELEASE, nodeid, p, 1, NULL, 0);
}

/* A directory on the host, made as root, and its nodeid. */
static uint64_t hostdir(const char *name, gid_t gid, mode_t mode)
{
	if (mkdirat(sfd, name, 0) || fchownat(sfd, name, 0, gid, 0) ||
	    fchmodat(sfd, name, mode, 0)) {
		perror(name);
		exit(99);
	}
	as(0, 0, NO_SUPP);
	return lookup(FUSE_ROOT_ID, name);
}

static bool owned(const char *path, uid_t uid, gid_t gid)
{
	struct stat st;

	if (fstatat(sfd, path, &st, AT_SYMLINK_NOFOLLOW)) {
		diag("%s: %s", path, strerror(errno));
		return false;
	}
	if (st.st_uid != uid || st.st_gid != gid)
		diag("%s: %u:%u, want %u:%u", path, st.st_uid, st.st_gid,
		     uid, gid);
	return st.st_uid == uid && st.st_gid == gid;
}

static mode_t mode_of(const char *path)
{
	struct stat st;

	return fstatat(sfd, path, &st, AT_SYMLINK_NOFOLLOW) ? 0 : st.st_mode;
}

/* The thread is the server again: root, its gid, its one group. */
static bool restored(void)
{
	uid_t r, e, s;
	gid_t rg, eg, sg, groups[4];
	int n = getgroups(4, groups);

	getresuid(&r, &e, &s);
	getresgid(&rg, &eg, &sg);
	return !r && !e && !s && !rg && !eg && !sg && n == 1 &&
	       groups[0] == SRV_GROUP;
}

/* killpriv: FUSE_HANDLE_KILLPRIV_V2, and the pids taken for this host's. */
static void start(bool killpriv)
{
	struct fbr_pt_opts o = { .source = scratch, .cache = FBR_PT_CACHE_AUTO,
				 .entry_timeout = -1, .attr_timeout = -1,
				 .killpriv_v2 = killpriv, .host_pids = killpriv };
	struct fbr_session_opts so = { .max_write = 65536 };
	uint64_t flags = FUSE_INIT_EXT | FUSE_CREATE_SUPP_GROUP |
			 FUSE_HANDLE_KILLPRIV_V2;
	struct fuse_init_in in = { .major = FUSE_KERNEL_VERSION, .minor = 45,
				   .flags = (uint32_t)flags,
				   .flags2 = (uint32_t)(flags >> 32) };
	struct fuse_init_out out;
	struct part p[] = { P(in) };

	if (fbr_passthrough_new(&o, &drv) || !(sess = fbr_session_new(&drv, &so))) {
		fprintf(stderr, "cannot start the driver\n");
		exit(99);
	}
	as(0, 0, NO_SUPP);
	if (call(FUSE_INIT, 0, p, 1, &out, sizeof(out))) {
		fprintf(stderr, "INIT failed\n");
		exit(99);
	}
	granted = out.flags | (uint64_t)out.flags2 << 32;
}

static void test_init(void)
{
	ok(granted & FUSE_CREATE_SUPP_GROUP, "root asks for FUSE_CREATE_SUPP_GROUP");
}

/* Each kind of creation ends up the caller's. */
static void test_owner(void)
{
	uint64_t d = hostdir("pub", 0, 0777);
	struct created c;

	as(UID, GID, NO_SUPP);
	is_int(mkdir_(d, "dir", 0755), 0, "mkdir as the caller");
	ok(owned("pub/dir", UID, GID), "the directory is the caller's");
	is_int(mknod_(d, "fifo", S_IFIFO | 0644), 0, "mknod as the caller");
	ok(owned("pub/fifo", UID, GID), "the fifo is the caller's");
	is_int(symlink_(d, "link", "target"), 0, "symlink as the caller");
	ok(owned("pub/link", UID, GID), "the symlink is the caller's");
	is_int(create_(FUSE_CREATE, d, "file", 0644, &c), 0,
	       "create as the caller");
	ok(owned("pub/file", UID, GID), "the file is the caller's");
	release(c.e.nodeid, c.o.fh);
	if (create_(FUSE_TMPFILE, d, "tmp", 0600, &c) == 0) {
		ok(c.e.attr.uid == UID && c.e.attr.gid == GID,
		   "an O_TMPFILE file is the caller's");
		release(c.e.nodeid, c.o.fh);
	} else {
		skip("no O_TMPFILE here", "an O_TMPFILE file is the caller's");
	}
	ok(restored(), "the thread is the server again");

	as(0, GID, NO_SUPP);
	is_int(mkdir_(d, "rootdir", 0755), 0, "mkdir as root with another gid");
	ok(owned("pub/rootdir", 0, GID), "root's directory has root's gid");
	as(0, 0, NO_SUPP);
	is_int(mkdir_(d, "plain", 0755), 0, "mkdir as the server itself");
	ok(owned("pub/plain", 0, 0), "root's own directory is root's");
	ok(restored(), "the thread is the server again");
}

/* Permission to create in the parent: the caller's, not the server's. */
static void test_access(void)
{
	uint64_t shut = hostdir("shut", 0, 0755);
	uint64_t grp = hostdir("grp", GROUP, 0770);
	uint64_t srv = hostdir("srv", SRV_GROUP, 0770);

	as(UID, GID, NO_SUPP);
	is_int(mkdir_(shut, "d", 0755), -EACCES,
	       "no write permission: EACCES");
	is_int(mknod_(grp, "f", S_IFIFO | 0644), -EACCES,
	       "a group directory, caller not in it: EACCES");
	is_int(mknod_(srv, "f", S_IFIFO | 0644), -EACCES,
	       "the server's own groups are not the caller's");
	as(UID, GID, GROUP);
	is_int(mknod_(grp, "f", S_IFIFO | 0644), 0,
	       "the extra group lets the caller in");
	ok(owned("grp/f", UID, GID), "and the fifo is the caller's");
	as((uint32_t)-1, GID, NO_SUPP);
	is_int(mkdir_(grp, "x", 0755), -EOVERFLOW, "an unmapped uid: EOVERFLOW");
	ok(restored(), "the thread is the server again");
}

/* A setgid directory: its gid for everything, setgid for subdirectories. */
static void test_setgid(void)
{
	uint64_t d = hostdir("sgid", GROUP, 02777);
	struct created c;

	as(UID, GID, NO_SUPP);
	is_int(mkdir_(d, "sub", 0755), 0, "mkdir in a setgid directory");
	ok(owned("sgid/sub", UID, GROUP), "the directory has the parent's gid");
	ok(mode_of("sgid/sub") & S_ISGID, "and is setgid itself");
	is_int(create_(FUSE_CREATE, d, "nogrp", 02755, &c), 0,
	       "create setgid, caller not in the group");
	release(c.e.nodeid, c.o.fh);
	ok(owned("sgid/nogrp", UID, GROUP), "the file has the parent's gid");
	ok(!(mode_of("sgid/nogrp") & S_ISGID), "the setgid bit is dropped");
	as(UID, GID, GROUP);
	is_int(create_(FUSE_CREATE, d, "grp", 02755, &c), 0,
	       "create setgid, caller in the group by the extra group");
	release(c.e.nodeid, c.o.fh);
	ok(owned("sgid/grp", UID, GROUP), "the file has the parent's gid");
	ok(mode_of("sgid/grp") & S_ISGID, "the setgid bit stays");
	ok(restored(), "the thread is the server again");
}

/*
 * A server with no supplementary groups (creds.c then leaves groups alone
 * unless the caller brings one): still none of them afterwards.
 */
static void test_no_server_groups(void)
{
	uint64_t d = hostdir("grp2", GROUP, 0770);

	as(UID, GID, NO_SUPP);
	is_int(mkdir_(d, "d", 0755), -EACCES, "no groups: the caller not in it");
	ok(getgroups(0, NULL) == 0, "and the thread still has no groups");
	as(UID, GID, GROUP);
	is_int(mkdir_(d, "d", 0755), 0, "the extra group lets the caller in");
	ok(owned("grp2/d", UID, GID), "and the directory is the caller's");
	ok(getgroups(0, NULL) == 0 && geteuid() == 0 && getegid() == 0,
	   "the thread is the server again, with no groups");
}

/* A file on the host, UID's, in group gid, with mode; its nodeid. */
static uint64_t hostfile(const char *name, gid_t gid, mode_t mode)
{
	int fd = openat(sfd, name, O_WRONLY | O_CREAT | O_TRUNC, 0);

	if (fd < 0 || fchown(fd, UID, gid) || fchmod(fd, mode) || close(fd)) {
		perror(name);
		exit(99);
	}
	as(0, 0, NO_SUPP);
	return lookup(FUSE_ROOT_ID, name);
}

static uint64_t open_(uint64_t nodeid, uint32_t flags)
{
	struct fuse_open_in in = { .flags = flags };
	struct fuse_open_out o;
	struct part p[] = { P(in) };

	return call(FUSE_OPEN, nodeid, p, 1, &o, sizeof(o)) ? 0 : o.fh;
}

static int write_(uint64_t nodeid, uint64_t fh, uint32_t flags)
{
	struct fuse_write_in in = { .fh = fh, .size = 1, .write_flags = flags };
	struct fuse_write_out o;
	struct part p[] = { P(in), { "w", 1 } };

	return call(FUSE_WRITE, nodeid, p, 2, &o, sizeof(o));
}

static int setattr_(uint64_t nodeid, const struct fuse_setattr_in *in)
{
	struct fuse_attr_out o;
	struct part p[] = { { in, sizeof(*in) } };

	return call(FUSE_SETATTR, nodeid, p, 1, &o, sizeof(o));
}

static int fallocate_(uint64_t nodeid, uint64_t fh)
{
	struct fuse_fallocate_in in = { .fh = fh, .length = 4096 };
	struct part p[] = { P(in) };

	return call(FUSE_FALLOCATE, nodeid, p, 1, NULL, 0);
}

/* The mode after op by the current caller on a fresh "k" of mode and gid. */
enum kop { K_WRITE, K_TRUNCATE, K_FALLOCATE, K_CHOWN_NONE, K_OPEN_TRUNC };

static mode_t after(enum kop op, gid_t gid, mode_t mode, int *err)
{
	uint32_t uid = as_uid, cgid = as_gid, supp = as_supp;
	uint64_t ino = hostfile("k", gid, mode), fh = 0;
	struct fuse_setattr_in sa = { .valid = FATTR_SIZE };

	as(uid, cgid, supp);
	switch (op) {
	case K_WRITE:
		fh = open_(ino, O_WRONLY);
		*err = write_(ino, fh, 0);
		break;
	case K_TRUNCATE:
		*err = setattr_(ino, &sa);
		break;
	case K_FALLOCATE:
		fh = open_(ino, O_WRONLY);
		*err = fallocate_(ino, fh);
		break;
	case K_CHOWN_NONE:
		sa.valid = 0;
		*err = setattr_(ino, &sa);
		break;
	case K_OPEN_TRUNC:
		fh = open_(ino, O_WRONLY | O_TRUNC);
		*err = fh ? 0 : -1;
		break;
	}
	if (fh)
		release(ino, fh);
	return mode_of("k") & 07777;
}

/*
 * Acting for callers, the server clears set-id bits by the native rule,
 * which the kernel applies by the mode alone: the setgid bit of a file
 * without group-execute goes when the caller is not in its group.
 */
static void test_setid_kill(void)
{
	static const struct {
		enum kop op;
		const char *what;
	} ops[] = {
		{ K_WRITE, "write" }, { K_TRUNCATE, "truncate" },
		{ K_FALLOCATE, "fallocate" }, { K_OPEN_TRUNC, "open O_TRUNC" },
		{ K_CHOWN_NONE, "chown -1:-1 by the owner" },
	};
	int err;

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		as(UID, GID, NO_SUPP);
		is_int(after(ops[i].op, GROUP, 02745, &err), 0745,
		       "%s, caller not in the group: setgid cleared", ops[i].what);
		is_int(err, 0, "%s: done", ops[i].what);
		is_int(after(ops[i].op, GROUP, 06775, &err), 0775,
		       "%s: setuid and setgid with group-execute cleared",
		       ops[i].what);
		as(UID, GROUP, NO_SUPP);
		is_int(after(ops[i].op, GROUP, 02745, &err), 02745,
		       "%s, caller in the group: setgid kept", ops[i].what);
		as(0, 0, NO_SUPP);
		is_int(after(ops[i].op, GROUP, 06745, &err),
		       ops[i].op == K_CHOWN_NONE ? 02745 : 06745,
		       "%s by root: kept (setuid not, by chown)", ops[i].what);
	}
	as(UID + 1, GID, NO_SUPP);
	is_int(after(K_CHOWN_NONE, GROUP, 02745, &err), 02745,
	       "chown -1:-1 by another: taken for a write's drop, nothing done");
	is_int(err, 0, "and allowed");
	ok(restored(), "the thread is the server again");
}

/*
 * Under KILLPRIV_V2, with the request's pid this process: its groups and
 * capabilities from /proc count, save CAP_FSETID when the kernel flags the
 * request (having found the caller without it).
 */
static void test_setid_kill_v2(void)
{
	uint64_t ino, fh;

	ok(granted & FUSE_HANDLE_KILLPRIV_V2, "KILLPRIV_V2 granted");
	as(UID, GID, NO_SUPP);
	ino = hostfile("k", SRV_GROUP, 02745);
	fh = open_(ino, O_WRONLY);
	is_int(write_(ino, fh, 0), 0, "an unflagged write");
	is_int(mode_of("k") & 07777, 02745, "keeps the setgid bit");
	is_int(write_(ino, fh, FUSE_WRITE_KILL_SUIDGID), 0, "a flagged write");
	is_int(mode_of("k") & 07777, 02745,
	       "keeps it: a supplementary group of the caller's is the file's");
	release(ino, fh);
	ino = hostfile("k", GROUP, 02745);
	fh = open_(ino, O_WRONLY);
	is_int(write_(ino, fh, FUSE_WRITE_KILL_SUIDGID), 0, "a flagged write");
	is_int(mode_of("k") & 07777, 0745, "clears it: not in the group");
	release(ino, fh);
	ino = hostfile("k", GROUP, 02745);
	fh = open_(ino, O_WRONLY);
	is_int(fallocate_(ino, fh), 0, "fallocate (never flagged)");
	is_int(mode_of("k") & 07777, 02745,
	       "keeps it: the caller holds CAP_FSETID by /proc");
	release(ino, fh);
}

static int rm(const char *path, const struct stat *st, int type,
	      struct FTW *ftw)
{
	return remove(path);
}

int main(void)
{
	gid_t g = SRV_GROUP;

	if (geteuid() != 0)
		skip_all("acting for the caller needs root");
	if (!mkdtemp(scratch) || (sfd = open(scratch, O_PATH | O_DIRECTORY)) < 0 ||
	    setgroups(1, &g) || fbr_memsink_init(&sink, 65536)) {
		perror(scratch);
		return 99;
	}
	start(false);
	test_init();
	test_owner();
	test_access();
	test_setgid();
	test_setid_kill();
	fbr_session_free(sess);
	fbr_passthrough_free(&drv);
	start(true);
	test_setid_kill_v2();
	fbr_session_free(sess);
	fbr_passthrough_free(&drv);
	if (setgroups(0, NULL)) {
		perror("setgroups");
		return 99;
	}
	start(false);
	test_no_server_groups();
	fbr_session_free(sess);
	fbr_passthrough_free(&drv);
	fbr_memsink_release(&sink);
	nftw(scratch, rm, 16, FTW_DEPTH | FTW_PHYS);
	return done_testing();
}
