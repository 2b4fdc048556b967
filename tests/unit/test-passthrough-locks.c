/*
 * The passthrough driver's locks, driven by raw FUSE requests through the
 * memory transport: POSIX locks of two owners on one handle and on two,
 * an owner never conflicting with itself across handles, FLUSH dropping
 * one owner's locks on the file and RELEASE those taken through the
 * handle, flock between handles, a lock held on the host (by this very
 * process, a classic lock) conflicting with ours, and SETLKW: deferred
 * with other requests still answered, granted once the holder unlocks,
 * answered EINTR on INTERRUPT (and never granted after), and on DESTROY.
 * Replies of deferred requests land in a sink of their own.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "fbr/passthrough.h"
#include "transports/memory.h"
#include "tap.h"

#define PAYLOAD 65536
#define EOF_ (uint64_t)INT64_MAX   /* the kernel's "to the end of file" */

static struct fbr_driver drv;
static struct fbr_session *sess;
static struct fbr_memsink sink;    /* replies of requests answered at once */
static struct fbr_memsink late;    /* of SETLKW, answered whenever */
static uint64_t next_unique = 1;
static char scratch[] = "/tmp/fbr-ptlocks-XXXXXX";
static char hostpath[64];
static uint64_t file;              /* the nodeid of "f" */

struct reply {
	int error;
	const unsigned char *data;
	size_t len;
};

static void send_to(uint32_t opcode, uint64_t unique, const void *in,
		    size_t size, struct fbr_memsink *m)
{
	static unsigned char buf[4096];
	struct fuse_in_header h = { .opcode = opcode, .unique = unique,
				    .nodeid = file, .pid = (uint32_t)getpid(),
				    .len = (uint32_t)(sizeof(h) + size) };

	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), in, size);
	fbr_memory_dispatch(sess, buf, h.len, m);
}

/* One request answered at once (error 1: no reply). */
static struct reply call(uint32_t opcode, uint64_t nodeid, const void *in,
			 size_t size)
{
	static unsigned char buf[4096];
	struct fuse_in_header h = { .opcode = opcode, .unique = next_unique++,
				    .nodeid = nodeid, .pid = (uint32_t)getpid(),
				    .len = (uint32_t)(sizeof(h) + size) };
	struct fuse_out_header oh;
	struct reply r = { .error = 1 };

	memcpy(buf, &h, sizeof(h));
	if (size)
		memcpy(buf + sizeof(h), in, size);
	fbr_memsink_clear(&sink);
	fbr_memory_dispatch(sess, buf, h.len, &sink);
	if (!sink.nreplies)
		return r;
	memcpy(&oh, sink.reply, sizeof(oh));
	r.error = oh.error;
	r.data = sink.reply + sizeof(oh);
	r.len = oh.len - sizeof(oh);
	return r;
}

static uint64_t open_(uint32_t flags)
{
	struct fuse_open_in in = { .flags = flags };
	struct fuse_open_out o = { 0 };
	struct reply r = call(FUSE_OPEN, file, &in, sizeof(in));

	if (!r.error && r.len == sizeof(o))
		memcpy(&o, r.data, sizeof(o));
	return o.fh;
}

static int release_(uint64_t fh, uint32_t flags, uint64_t owner)
{
	struct fuse_release_in in = { .fh = fh, .release_flags = flags,
				      .lock_owner = owner };

	return call(FUSE_RELEASE, file, &in, sizeof(in)).error;
}

static int flush_(uint64_t fh, uint64_t owner)
{
	struct fuse_flush_in in = { .fh = fh, .lock_owner = owner };

	return call(FUSE_FLUSH, file, &in, sizeof(in)).error;
}

static struct fuse_lk_in lk_in(uint64_t fh, uint64_t owner, uint32_t type,
			       uint64_t start, uint64_t end)
{
	return (struct fuse_lk_in){ .fh = fh, .owner = owner,
		.lk = { .start = start, .end = end, .type = type,
			.pid = (uint32_t)getpid() } };
}

static int setlk(uint64_t fh, uint64_t owner, uint32_t type, uint64_t start,
		 uint64_t end)
{
	struct fuse_lk_in in = lk_in(fh, owner, type, start, end);

	return call(FUSE_SETLK, file, &in, sizeof(in)).error;
}

static int flock_(uint64_t fh, uint32_t type)
{
	struct fuse_lk_in in = lk_in(fh, fh, type, 0, EOF_);

	in.lk_flags = FUSE_LK_FLOCK;
	return call(FUSE_SETLK, file, &in, sizeof(in)).error;
}

static int getlk(uint64_t fh, uint64_t owner, uint32_t type, uint64_t start,
		 uint64_t end, struct fuse_file_lock *out)
{
	struct fuse_lk_in in = lk_in(fh, owner, type, start, end);
	struct reply r = call(FUSE_GETLK, file, &in, sizeof(in));
	struct fuse_lk_out o;

	if (r.error)
		return r.error;
	if (r.len != sizeof(o))
		return -1000;
	memcpy(&o, r.data, sizeof(o));
	*out = o.lk;
	return 0;
}

/* SETLKW (flock if is_flock); returns its unique.  The reply goes to late. */
static uint64_t setlkw(uint64_t fh, uint64_t owner, uint32_t type,
		       bool is_flock)
{
	struct fuse_lk_in in = lk_in(fh, owner, type, 0, 0);
	uint64_t unique = next_unique++;

	if (is_flock) {
		in.lk_flags = FUSE_LK_FLOCK;
		in.lk.end = EOF_;
	}
	send_to(FUSE_SETLKW, unique, &in, sizeof(in), &late);
	return unique;
}

static int interrupt(uint64_t unique)
{
	struct fuse_interrupt_in in = { .unique = unique };

	return call(FUSE_INTERRUPT, 0, &in, sizeof(in)).error;
}

/* The error late holds for unique, or 1 if it has no reply for it. */
static int late_reply(uint64_t unique)
{
	int err = 1;

	pthread_mutex_lock(&late.lock);
	for (size_t off = 0; off + sizeof(struct fuse_out_header) <=
	     late.reply_len;) {
		struct fuse_out_header oh;

		memcpy(&oh, late.reply + off, sizeof(oh));
		if (oh.unique == unique)
			err = oh.error;
		off += oh.len ? oh.len : sizeof(oh);
	}
	pthread_mutex_unlock(&late.lock);
	return err;
}

/* Wait up to 5 s for the reply to unique. */
static int late_wait(uint64_t unique)
{
	int err = 1;

	for (int i = 0; i < 500 && (err = late_reply(unique)) == 1; i++)
		usleep(10000);
	return err;
}

/* A request that must be answered at once while locks wait. */
static bool alive(void)
{
	struct fuse_getattr_in in = { 0 };

	return call(FUSE_GETATTR, file, &in, sizeof(in)).error == 0;
}

static void test_posix_one_handle(uint64_t fh)
{
	struct fuse_file_lock lk;

	is_int(setlk(fh, 1, F_WRLCK, 0, 99), 0, "owner 1 write-locks 0-99");
	is_int(setlk(fh, 2, F_WRLCK, 50, 60), -EAGAIN,
	       "owner 2 on the same handle conflicts: EAGAIN");
	is_int(setlk(fh, 2, F_RDLCK, 0, 0), -EAGAIN, "a read lock too");
	is_int(getlk(fh, 2, F_RDLCK, 50, 60, &lk), 0, "owner 2 GETLK");
	ok(lk.type == F_WRLCK && lk.start == 0 && lk.end == 99 &&
	   lk.pid == (uint32_t)getpid(),
	   "reports owner 1's lock, 0-99, and its locker's pid (type %u %llu-%llu "
	   "pid %u)", lk.type, (unsigned long long)lk.start,
	   (unsigned long long)lk.end, lk.pid);
	is_int(getlk(fh, 1, F_WRLCK, 0, EOF_, &lk), 0, "owner 1 GETLK");
	is_int(lk.type, F_UNLCK, "its own lock does not conflict");
	is_int(setlk(fh, 2, F_RDLCK, 100, EOF_), 0,
	       "owner 2 read-locks from 100 to the end");
	is_int(getlk(fh, 1, F_WRLCK, 200, 300, &lk), 0, "owner 1 GETLK 200");
	ok(lk.type == F_RDLCK && lk.start == 100 && lk.end == EOF_,
	   "sees owner 2's read lock to the end of file");
	is_int(setlk(fh, 1, F_WRLCK, 0, 99), 0, "relocking one's own: fine");
	is_int(setlk(fh, 1, F_UNLCK, 50, 60), 0, "owner 1 unlocks 50-60");
	is_int(setlk(fh, 2, F_WRLCK, 50, 60), 0, "owner 2 gets 50-60 now");
	is_int(setlk(fh, 2, F_WRLCK, 40, 40), -EAGAIN,
	       "but not 40, which owner 1 kept (the lock was split)");
	is_int(setlk(fh, 3, F_UNLCK, 0, EOF_), 0,
	       "an owner with no locks unlocks: success");
	is_int(setlk(fh, 1, F_UNLCK, 0, EOF_), 0, "owner 1 unlocks all");
	is_int(setlk(fh, 2, F_UNLCK, 0, EOF_), 0, "owner 2 unlocks all");
	is_int(setlk(fh, 3, F_WRLCK, 0, EOF_), 0, "owner 3 locks the file");
	is_int(setlk(fh, 3, F_UNLCK, 0, EOF_), 0, "and unlocks it");
	is_int(setlk(fh, 1, F_WRLCK, 10, 5), -EINVAL, "end before start: EINVAL");
}

static void test_posix_two_handles(uint64_t fh1, uint64_t fh2)
{
	is_int(setlk(fh1, 1, F_WRLCK, 0, 9), 0, "owner 1 locks through fh1");
	is_int(setlk(fh2, 2, F_WRLCK, 0, 9), -EAGAIN,
	       "owner 2 through fh2 conflicts");
	is_int(setlk(fh2, 1, F_WRLCK, 5, 19), 0,
	       "owner 1 through fh2 does not conflict with itself");
	is_int(setlk(fh2, 2, F_RDLCK, 15, 15), -EAGAIN,
	       "its lock through fh2 conflicts with owner 2 too");
	is_int(setlk(fh1, 1, F_UNLCK, 0, EOF_), 0,
	       "owner 1 unlocks through fh1 what it locked through both");
	is_int(setlk(fh2, 2, F_WRLCK, 0, 19), 0, "owner 2 gets it all");
	is_int(setlk(fh2, 2, F_UNLCK, 0, EOF_), 0, "and lets go");
}

static void test_flush_release(uint64_t fh1, uint64_t fh2)
{
	uint64_t fh3 = open_(O_RDONLY);
	struct fuse_file_lock lk;

	is_int(setlk(fh1, 1, F_WRLCK, 0, 9), 0, "owner 1 locks 0-9 via fh1");
	is_int(setlk(fh2, 1, F_WRLCK, 20, 29), 0, "and 20-29 via fh2");
	is_int(setlk(fh1, 4, F_RDLCK, 40, 49), 0, "owner 4 read-locks 40-49");
	is_int(flush_(fh2, 9), 0, "FLUSH of fh2 by owner 9");
	is_int(setlk(fh1, 2, F_WRLCK, 0, 0), -EAGAIN,
	       "leaves owner 1's locks alone");
	is_int(flush_(fh2, 1), 0, "FLUSH of fh2 by owner 1");
	is_int(setlk(fh1, 2, F_WRLCK, 0, 29), 0,
	       "drops all its locks on the file, through fh1 too");
	is_int(setlk(fh1, 2, F_WRLCK, 40, 40), -EAGAIN,
	       "but not owner 4's");
	is_int(flush_(fh1, 2), 0, "owner 2 closes too");

	ok(fh3 != 0, "a read-only handle, fh3");
	is_int(setlk(fh3, 5, F_RDLCK, 100, 109), 0,
	       "owner 5 read-locks 100-109 through fh3");
	is_int(getlk(fh1, 6, F_WRLCK, 0, EOF_, &lk), 0, "GETLK through fh1");
	ok(lk.type == F_RDLCK && lk.start == 40,
	   "finds owner 4's lock first (start %llu)",
	   (unsigned long long)lk.start);
	is_int(release_(fh3, 0, 0), 0, "RELEASE of fh3");
	is_int(setlk(fh1, 6, F_WRLCK, 100, 109), 0,
	       "dropped owner 5's lock taken through it");
	is_int(setlk(fh1, 6, F_UNLCK, 0, EOF_), 0, "owner 6 unlocks");
	is_int(setlk(fh1, 4, F_UNLCK, 0, EOF_), 0, "owner 4 unlocks");
	is_int(setlk(fh3, 5, F_RDLCK, 0, 0), -EBADF,
	       "a released handle: EBADF");
}

static void test_flock(uint64_t fh1, uint64_t fh2)
{
	uint64_t fh3 = open_(O_RDONLY);

	is_int(flock_(fh1, F_WRLCK), 0, "flock LOCK_EX through fh1");
	is_int(flock_(fh2, F_WRLCK), -EAGAIN, "LOCK_EX through fh2: EAGAIN");
	is_int(flock_(fh2, F_RDLCK), -EAGAIN, "LOCK_SH through fh2: EAGAIN");
	is_int(setlk(fh2, 1, F_WRLCK, 0, EOF_), 0,
	       "POSIX locks are another kind: no conflict");
	is_int(setlk(fh2, 1, F_UNLCK, 0, EOF_), 0, "(unlocked)");
	is_int(flock_(fh1, F_RDLCK), 0, "fh1 converts to LOCK_SH");
	is_int(flock_(fh2, F_RDLCK), 0, "fh2 shares it");
	is_int(flock_(fh3, F_WRLCK), -EAGAIN, "fh3 cannot have LOCK_EX");
	is_int(flock_(fh1, F_UNLCK), 0, "fh1 unlocks");
	is_int(release_(fh2, FUSE_RELEASE_FLOCK_UNLOCK, fh2), 0,
	       "RELEASE of fh2 with FLOCK_UNLOCK");
	is_int(flock_(fh3, F_WRLCK), 0, "fh3 has LOCK_EX now");
	is_int(release_(fh3, 0, 0), 0, "RELEASE of fh3 without the flag");
	is_int(flock_(fh1, F_WRLCK), 0, "still lets its flock go");
	is_int(flock_(fh1, F_UNLCK), 0, "(unlocked)");
}

/* A classic lock of this process on the host file: ours are OFD locks,
   which conflict with it although the process is the same. */
static void test_host(uint64_t fh)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET,
			    .l_start = 0, .l_len = 10 };
	struct fuse_file_lock lk;
	int fd = open(hostpath, O_RDWR);

	ok(fd >= 0 && fcntl(fd, F_SETLK, &fl) == 0,
	   "a classic lock on 0-9 of the host file");
	is_int(setlk(fh, 1, F_RDLCK, 5, 5), -EAGAIN,
	       "conflicts with a lock through the driver");
	is_int(getlk(fh, 1, F_RDLCK, 0, EOF_, &lk), 0, "GETLK");
	ok(lk.type == F_WRLCK && lk.start == 0 && lk.end == 9 &&
	   lk.pid == (uint32_t)getpid(),
	   "reports it, with the holder's pid (%u)", lk.pid);
	close(fd);
	is_int(setlk(fh, 1, F_RDLCK, 5, 5), 0, "gone with the host fd");
	fd = open(hostpath, O_RDWR);
	is_int(fcntl(fd, F_SETLK, &fl) < 0 ? -errno : 0, -EAGAIN,
	       "and the driver's lock stops one on the host");
	close(fd);
	is_int(setlk(fh, 1, F_UNLCK, 0, EOF_), 0, "(unlocked)");

	fd = open(hostpath, O_RDWR);
	fl.l_type = F_RDLCK;
	ok(fd >= 0 && fcntl(fd, F_OFD_SETLK, &fl) == 0,
	   "an OFD lock on the host file");
	is_int(getlk(fh, 1, F_WRLCK, 0, EOF_, &lk), 0, "GETLK");
	ok(lk.type == F_RDLCK && lk.end == 9 && lk.pid == 0,
	   "reports it, with pid 0: the host names none (%u)", lk.pid);
	close(fd);
}

static void test_setlkw(uint64_t fh1, uint64_t fh2)
{
	uint64_t u;

	is_int(setlk(fh1, 1, F_WRLCK, 0, 0), 0, "owner 1 locks byte 0");
	fbr_memsink_clear(&late);
	u = setlkw(fh2, 2, F_WRLCK, false);
	usleep(100000);
	is_int(late_reply(u), 1, "owner 2's SETLKW: no reply after 100 ms");
	ok(alive(), "other requests are answered meanwhile");
	is_int(setlk(fh1, 1, F_UNLCK, 0, 0), 0, "owner 1 unlocks");
	is_int(late_wait(u), 0, "the SETLKW is granted");
	is_int(setlk(fh1, 1, F_WRLCK, 0, 0), -EAGAIN, "owner 2 holds it");

	u = setlkw(fh1, 1, F_WRLCK, false);
	usleep(50000);
	is_int(late_reply(u), 1, "owner 1's SETLKW waits");
	is_int(interrupt(u), 1, "INTERRUPT: no reply of its own");
	is_int(late_wait(u), -EINTR, "the SETLKW answers EINTR");
	is_int(setlk(fh2, 2, F_UNLCK, 0, 0), 0, "owner 2 unlocks");
	usleep(50000);
	is_int(setlk(fh2, 3, F_WRLCK, 0, 0), 0,
	       "the interrupted lock was never granted");
	is_int(setlk(fh2, 3, F_UNLCK, 0, 0), 0, "(unlocked)");
	is_int(interrupt(u), -EAGAIN, "an answered SETLKW is unknown to INTERRUPT");

	is_int(flock_(fh1, F_WRLCK), 0, "fh1 has LOCK_EX");
	u = setlkw(fh2, fh2, F_RDLCK, true);
	usleep(50000);
	is_int(late_reply(u), 1, "a waiting flock through fh2 has no reply");
	is_int(interrupt(u), 1, "INTERRUPT it");
	is_int(late_wait(u), -EINTR, "EINTR");
	u = setlkw(fh2, fh2, F_RDLCK, true);
	is_int(flock_(fh1, F_UNLCK), 0, "fh1 unlocks");
	is_int(late_wait(u), 0, "another waiting flock is granted");
	is_int(flock_(fh1, F_WRLCK), -EAGAIN, "fh2 holds LOCK_SH");
	is_int(flock_(fh2, F_UNLCK), 0, "(unlocked)");
}

/* More waiters than a worker pool, all answered at DESTROY. */
static void test_destroy(uint64_t fh1, uint64_t fh2)
{
	struct fuse_init_in in = { .major = FUSE_KERNEL_VERSION, .minor = 45,
				   .flags = FUSE_INIT_EXT };
	uint64_t u[8];
	int bad = 0;

	is_int(setlk(fh1, 1, F_WRLCK, 0, EOF_), 0, "owner 1 locks the file");
	fbr_memsink_clear(&late);
	for (int i = 0; i < 8; i++)
		u[i] = setlkw(fh2, 10 + (uint64_t)i, F_RDLCK, false);
	usleep(100000);
	for (int i = 0; i < 8; i++)
		bad += late_reply(u[i]) != 1;
	is_int(bad, 0, "eight SETLKW wait");
	ok(alive(), "and requests are still answered");
	is_int(call(FUSE_DESTROY, 0, NULL, 0).error, 0, "DESTROY");
	for (int i = 0; i < 8; i++)
		bad += late_reply(u[i]) != -EINTR;
	is_int(bad, 0, "answered every waiter EINTR before it returned");
	call(FUSE_INIT, 0, &in, sizeof(in));
}

static void cleanup(void)
{
	unlink(hostpath);
	rmdir(scratch);
}

int main(void)
{
	struct fbr_pt_opts o = { .source = scratch, .cache = FBR_PT_CACHE_AUTO,
				 .entry_timeout = -1, .attr_timeout = -1 };
	struct fbr_session_opts so = { .max_write = PAYLOAD };
	struct fuse_init_in in = { .major = FUSE_KERNEL_VERSION, .minor = 45,
				   .flags = FUSE_INIT_EXT | FUSE_POSIX_LOCKS |
					    FUSE_FLOCK_LOCKS };
	struct fuse_init_out io;
	struct fuse_entry_out e;
	struct reply r;
	uint64_t fh1, fh2;
	int fd;

	if (!mkdtemp(scratch))
		skip_all("mkdtemp failed");
	snprintf(hostpath, sizeof(hostpath), "%s/f", scratch);
	fd = open(hostpath, O_CREAT | O_WRONLY, 0644);
	if (fd < 0 || write(fd, "data\n", 5) != 5 || close(fd) < 0)
		return 99;
	if (fbr_memsink_init(&sink, PAYLOAD) || fbr_memsink_init(&late, 0) ||
	    fbr_passthrough_new(&o, &drv))
		return 99;
	sess = fbr_session_new(&drv, &so);
	r = call(FUSE_INIT, 0, &in, sizeof(in));
	if (!sess || r.error || r.len < sizeof(io))
		return 99;
	memcpy(&io, r.data, sizeof(io));
	ok((io.flags & FUSE_POSIX_LOCKS) && (io.flags & FUSE_FLOCK_LOCKS),
	   "INIT grants POSIX_LOCKS and FLOCK_LOCKS");
	r = call(FUSE_LOOKUP, FUSE_ROOT_ID, "f", 2);
	if (r.error || r.len != sizeof(e))
		return 99;
	memcpy(&e, r.data, sizeof(e));
	file = e.nodeid;
	fh1 = open_(O_RDWR);
	fh2 = open_(O_RDWR);
	ok(fh1 && fh2, "two handles on f");
	test_posix_one_handle(fh1);
	test_posix_two_handles(fh1, fh2);
	test_flush_release(fh1, fh2);
	test_flock(fh1, fh2);
	fh2 = open_(O_WRONLY);
	test_host(fh1);
	test_setlkw(fh1, fh2);
	test_destroy(fh1, fh2);
	fbr_session_free(sess);
	fbr_passthrough_free(&drv);
	fbr_memsink_release(&sink);
	fbr_memsink_release(&late);
	cleanup();
	return done_testing();
}
