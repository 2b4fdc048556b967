/*
 * Locks contended between all the processes of fbr-stress.  Two shared
 * files each hold a counter and the id of the process inside the lock:
 * locks/fcntl is locked with POSIX record locks (F_SETLK[W]) and OFD locks
 * (F_OFD_SETLK[W]), which conflict with each other, locks/flock with
 * flock().  Under the lock a process finds no holder, writes itself as the
 * holder with the counter plus one, yields, finds both unchanged and
 * clears the holder.  Two processes inside at once show as a holder found,
 * a holder changed, or, at the end, a counter short of the increments the
 * processes made.  Non-blocking tries may find the lock taken.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "tests/stress/stress.h"

static int increment(struct worker *w, enum op op, const char *p, int fd)
{
	uint64_t v[2], again[2];
	uint64_t me = (uint64_t)w->id + 1;

	if (pread(fd, v, sizeof v, 0) != sizeof v)
		return fail(w, op, "pread '%s': %s", p, strerror(errno));
	if (v[1])
		return fail(w, op, "'%s': p%llu is inside the lock too", p,
			    (unsigned long long)v[1] - 1);
	v[0]++;
	v[1] = me;
	if (pwrite(fd, v, sizeof v, 0) != sizeof v)
		return fail(w, op, "pwrite '%s': %s", p, strerror(errno));
	sched_yield();
	if (pread(fd, again, sizeof again, 0) != sizeof again)
		return fail(w, op, "pread '%s': %s", p, strerror(errno));
	if (memcmp(v, again, sizeof v))
		return fail(w, op, "'%s': changed under the lock (by p%llu)", p,
			    (unsigned long long)again[1] - 1);
	v[1] = 0;
	if (pwrite(fd, v, sizeof v, 0) != sizeof v)
		return fail(w, op, "pwrite '%s': %s", p, strerror(errno));
	w->tally->incr[op == OP_FLOCK]++;
	return 0;
}

/* Lock with cmd (blocking or not), increment, unlock, close. */
static int fcntl_round(struct worker *w, enum op op, int wait_cmd, int try_cmd)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET,
			    .l_len = LOCK_BYTES };
	bool try = rnd(w, 4) == 0;
	int fd = open(LOCK_FCNTL, O_RDWR | O_CLOEXEC), ret;

	if (fd < 0)
		return fail(w, op, "open '%s': %s", LOCK_FCNTL, strerror(errno));
	if (fcntl(fd, try ? try_cmd : wait_cmd, &fl)) {
		ret = try && (errno == EAGAIN || errno == EACCES) ? 0 :
			fail(w, op, "lock '%s': %s", LOCK_FCNTL, strerror(errno));
		if (!ret)
			w->tally->errs[op]++;
		close(fd);
		return ret;
	}
	ret = increment(w, op, LOCK_FCNTL, fd);
	fl.l_type = F_UNLCK;
	if (!ret && fcntl(fd, try_cmd, &fl))
		ret = fail(w, op, "unlock '%s': %s", LOCK_FCNTL, strerror(errno));
	if (close_checked(w, op, LOCK_FCNTL, fd))
		ret = -1;
	return ret;
}

int op_lock(struct worker *w)
{
	return fcntl_round(w, OP_LOCK, F_SETLKW, F_SETLK);
}

int op_ofdlock(struct worker *w)
{
	return fcntl_round(w, OP_OFDLOCK, F_OFD_SETLKW, F_OFD_SETLK);
}

int op_flock(struct worker *w)
{
	bool try = rnd(w, 4) == 0;
	int fd = open(LOCK_FLOCK, O_RDWR | O_CLOEXEC), ret;

	if (fd < 0)
		return fail(w, OP_FLOCK, "open '%s': %s", LOCK_FLOCK,
			    strerror(errno));
	if (flock(fd, LOCK_EX | (try ? LOCK_NB : 0))) {
		ret = try && errno == EWOULDBLOCK ? 0 :
			fail(w, OP_FLOCK, "flock '%s': %s", LOCK_FLOCK,
			     strerror(errno));
		if (!ret)
			w->tally->errs[OP_FLOCK]++;
		close(fd);
		return ret;
	}
	ret = increment(w, OP_FLOCK, LOCK_FLOCK, fd);
	if (!ret && flock(fd, LOCK_UN))
		ret = fail(w, OP_FLOCK, "unlock '%s': %s", LOCK_FLOCK,
			   strerror(errno));
	if (close_checked(w, OP_FLOCK, LOCK_FLOCK, fd))
		ret = -1;
	return ret;
}
