/*
 * fbr-bench-replay-syscalls: the yardstick for fbr-replay --bench.  It
 * reads and decodes a trace as fbr-replay does (lib/trace), and for each
 * LOOKUP makes the one system call a program would make to look at that
 * name, fstatat(2) relative to the parent, and for each GETATTR fstat(2)
 * of the node.  Nodes are O_PATH fds opened the first time a LOOKUP gives
 * them out.  Other requests are counted and skipped, so the trace should
 * be made of LOOKUP and GETATTR (bench/replay.sh records one).
 *
 * With -d it makes instead the calls fbr's passthrough driver makes for
 * them: openat(2), statx(2) and close(2) per LOOKUP, statx(2) per
 * GETATTR; the difference from fbr-replay --bench is then the cost of
 * the dispatcher and the driver's tables alone.
 *
 *   fbr-bench-replay-syscalls [-d] DIR TRACE
 *
 * prints "N requests in S s: R requests/s", and the same per second of
 * CPU time, for the LOOKUPs and GETATTRs.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "trace/decode.h"
#include "trace/u64map.h"

struct state {
	struct fbr_u64map fds;    /* recorded nodeid -> O_PATH fd */
	bool as_driver;           /* -d */
	uint64_t calls, skipped, failed;
};

#define STATX_FLAGS (AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)
#define STATX_WANT (STATX_BASIC_STATS | STATX_MNT_ID)

/* LOOKUP as the passthrough driver does it: the name opened, then
   looked at through the fd. */
static int driver_lookup(int dir, const char *name)
{
	int fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct statx stx;
	int err;

	if (fd < 0)
		return -1;
	err = statx(fd, "", STATX_FLAGS, STATX_WANT, &stx);
	close(fd);
	return err;
}

static uint64_t ns_of(clockid_t clock)
{
	struct timespec t;

	clock_gettime(clock, &t);
	return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

static int fd_of(struct state *s, uint64_t nodeid)
{
	const uint64_t *v = fbr_u64map_get(&s->fds, nodeid);

	return v ? (int)*v : -1;
}

static void lookup(struct state *s, const struct fbr_event *ev)
{
	int dir = fd_of(s, ev->in.nodeid), fd;
	const char *name = fbr_event_name(ev);
	uint64_t nodeid = fbr_event_new_nodeid(ev);
	struct stat st;

	if (dir < 0 || !name) {
		s->skipped++;
		return;
	}
	s->calls++;
	if (s->as_driver ? driver_lookup(dir, name) < 0 :
	    fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		s->failed += errno != ENOENT;
	if (!nodeid || fd_of(s, nodeid) >= 0)
		return;
	fd = openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0 && fbr_u64map_put(&s->fds, nodeid, (uint64_t)fd))
		close(fd);
}

static void getattr(struct state *s, const struct fbr_event *ev)
{
	int fd = fd_of(s, ev->in.nodeid);
	struct statx stx;
	struct stat st;

	if (fd < 0) {
		s->skipped++;
		return;
	}
	s->calls++;
	if (s->as_driver ? statx(fd, "", STATX_FLAGS, STATX_WANT, &stx) < 0 :
	    fstat(fd, &st) < 0)
		s->failed++;
}

static void on_event(void *ctx, const struct fbr_event *ev)
{
	struct state *s = ctx;

	if (ev->kind == FBR_EV_CALL && ev->in.opcode == FUSE_LOOKUP)
		lookup(s, ev);
	else if (ev->kind == FBR_EV_CALL && ev->in.opcode == FUSE_GETATTR)
		getattr(s, ev);
	else
		s->skipped++;
}

int main(int argc, char **argv)
{
	struct state s = { 0 };
	struct fbr_trace_reader *r;
	struct fbr_decoder *d;
	struct fbr_trace_rec rec;
	int root, ret;
	uint64_t t0, c0;

	s.as_driver = argc == 4 && !strcmp(argv[1], "-d");
	argv += s.as_driver;
	argc -= s.as_driver;
	if (argc != 3) {
		fputs("usage: fbr-bench-replay-syscalls [-d] DIR TRACE\n", stderr);
		return 2;
	}
	root = open(argv[1], O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0 || fbr_trace_reader_open(argv[2], &r) != 0 ||
	    fbr_decoder_new(on_event, &s, &d) != 0 ||
	    fbr_u64map_put(&s.fds, FUSE_ROOT_ID, (uint64_t)root)) {
		fprintf(stderr, "fbr-bench-replay-syscalls: cannot start: %s\n",
			strerror(errno));
		return 2;
	}
	t0 = ns_of(CLOCK_MONOTONIC);
	c0 = ns_of(CLOCK_PROCESS_CPUTIME_ID);
	while ((ret = fbr_trace_read(r, &rec)) == 1)
		fbr_decoder_feed(d, &rec);
	fbr_decoder_finish(d);
	t0 = ns_of(CLOCK_MONOTONIC) - t0;
	c0 = ns_of(CLOCK_PROCESS_CPUTIME_ID) - c0;
	printf("%llu requests in %.3f s: %.0f requests/s (%.3f s of CPU: %.0f "
	       "requests per CPU second; %llu others skipped, %llu failed)\n",
	       (unsigned long long)s.calls, (double)t0 / 1e9,
	       (double)s.calls * 1e9 / (double)t0, (double)c0 / 1e9,
	       (double)s.calls * 1e9 / (double)c0,
	       (unsigned long long)s.skipped, (unsigned long long)s.failed);
	fbr_decoder_free(d);
	fbr_trace_reader_close(r);
	return ret == 0 ? 0 : 2;
}
