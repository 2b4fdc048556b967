/*
 * Files fbr-stress keeps open across calls: each process holds up to
 * NHOLD fds, and writes, reads, truncates and fstats through them while
 * its other calls rename, replace and unlink the names behind them, so
 * files live on with no name until their last fd is closed.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "tests/stress/stress.h"

static struct held *pick_held(struct worker *w, bool used)
{
	int h = (int)rnd(w, NHOLD);

	for (int i = 0; i < NHOLD; i++, h = (h + 1) % NHOLD)
		if ((w->hold[h].ino >= 0) == used)
			return &w->hold[h];
	return NULL;
}

int op_hold(struct worker *w)
{
	struct held *h = pick_held(w, false);
	char p[PATH_LEN];
	int s, want, fd;

	if (!h)
		return 1;
	s = pick_file(w);
	want = slot_reachable(w, s) && w->slot[s] >= 0 ? 0 : ENOENT;
	slot_path(w, s, p);
	fd = open(p, O_RDWR | O_CLOEXEC);
	if (expect(w, OP_HOLD, p, NULL, fd < 0 ? errno : 0, want)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (fd < 0)
		return 0;
	h->fd = fd;
	h->ino = w->slot[s];
	w->ino[h->ino].held++;
	return 0;
}

int op_fdio(struct worker *w)
{
	struct held *h = pick_held(w, true);
	const char *p = "a held fd";
	size_t size;

	if (!h)
		return 1;
	switch (rnd(w, 3)) {
	case 0:
		return write_some(w, OP_FDIO, p, h->fd, h->ino);
	case 1:
		return check_file(w, OP_FDIO, p, h->fd, h->ino);
	default:
		size = rnd(w, MAXSIZE + 1);
		if (ftruncate(h->fd, (off_t)size))
			return fail(w, OP_FDIO, "ftruncate %zu: %s", size,
				    strerror(errno));
		model_resize(&w->ino[h->ino], size);
		return 0;
	}
}

static int release(struct worker *w, struct held *h)
{
	w->ino[h->ino].held--;
	h->ino = -1;
	return close_checked(w, OP_RELEASE, "a held fd", h->fd);
}

int op_release(struct worker *w)
{
	struct held *h = pick_held(w, true);

	return h ? release(w, h) : 1;
}

/* Before the final walk, which sees only names. */
void release_all(struct worker *w)
{
	for (int i = 0; i < NHOLD; i++)
		if (w->hold[i].ino >= 0)
			release(w, &w->hold[i]);
}
