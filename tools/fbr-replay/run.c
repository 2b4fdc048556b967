/*
 * Running a replay: the trace is read and decoded (lib/trace joins each
 * request with its reply, in the order of the replies, which is the
 * order the recording's server finished them in); each request that has
 * its reply, and each FORGET, becomes a job.  The session is made at the
 * trace's INIT, with the transport's parameters the recorded reply shows.
 * At the end, lookup counts are checked once more, the summary printed,
 * and everything undone in the reverse order.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "replay.h"

#define DEFAULT_MAX_WRITE (1u << 20)

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* One thread alone (no --threads) has nothing to lock out: --bench
   would only measure the locking. */
void replay_lock(struct replay *rp)
{
	if (rp->a->threads)
		pthread_mutex_lock(&rp->lock);
}

void replay_unlock(struct replay *rp)
{
	if (rp->a->threads)
		pthread_mutex_unlock(&rp->lock);
}

void replay_trouble(struct replay *rp, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	atomic_store(&rp->stop, true);
	if (__atomic_exchange_n(&rp->trouble, 1, __ATOMIC_SEQ_CST))
		return; /* the first trouble is the one to tell */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	progress_clear(&rp->progress);
	errmsg("%s: %s", rp->a->file, msg);
}

/* Requests with their reply, and FORGETs; INTERRUPT's timing is the
   kernel's, and a request interrupted shows as EINTR, replayed so. */
static bool replayable(const struct fbr_event *ev)
{
	if (ev->kind == FBR_EV_CALL)
		return true;
	return ev->kind == FBR_EV_NOREPLY &&
	       (ev->in.opcode == FUSE_FORGET || ev->in.opcode == FUSE_BATCH_FORGET);
}

/* What INIT's recorded reply says of the recording's transport. */
static struct fuse_init_out init_out(const struct fbr_event *ev)
{
	const size_t hdr = sizeof(struct fuse_out_header);
	struct fuse_init_out o = { 0 };

	if (ev->kind == FBR_EV_CALL && !ev->out.error && ev->rep.caplen > hdr)
		memcpy(&o, ev->rep.p + hdr, ev->rep.caplen - hdr < sizeof(o) ?
		       ev->rep.caplen - hdr : sizeof(o));
	return o;
}

/*
 * The session, made as the recording's transport made it: the largest
 * WRITE it took, and what it offered the kernel of its own.  Requests
 * that came by io_uring are requests like any other here; FUSE
 * passthrough needs backing files (backing.c).
 */
static int start_session(struct replay *rp, const struct fbr_event *ev)
{
	struct fuse_init_out o = init_out(ev);
	uint64_t granted = o.flags | (uint64_t)o.flags2 << 32;
	struct fbr_session_opts so = {
		.max_write = o.max_write >= 4096 && o.max_write <= DEFAULT_MAX_WRITE ?
			     o.max_write : DEFAULT_MAX_WRITE,
		.transport_flags = granted & FUSE_OVER_IO_URING,
	};

	if (ev->in.opcode != FUSE_INIT) {
		replay_trouble(rp, "the trace does not begin with INIT (the "
			       "request at byte %llu is %s): a replay needs "
			       "the whole session, recorded from the mount on",
			       (unsigned long long)ev->req.offset, ev->opname);
		return -EINVAL;
	}
	rp->session = fbr_session_new(&rp->drv.drv, &so);
	if (!rp->session) {
		replay_trouble(rp, "cannot start a session: %s", strerror(errno));
		return -errno;
	}
	replay_backing(rp, &o);
	return 0;
}

/* --pace: the request goes when its recorded time has come. */
static void pace(struct replay *rp, uint64_t ts)
{
	uint64_t target;
	struct timespec t;

	if (!rp->a->pace)
		return;
	if (!rp->pace_wall) {
		rp->pace_wall = now_ns();
		rp->pace_ts = ts;
		return;
	}
	if (ts <= rp->pace_ts)
		return;
	target = rp->pace_wall + (uint64_t)((double)(ts - rp->pace_ts) / rp->a->pace);
	t.tv_sec = (time_t)(target / 1000000000ULL);
	t.tv_nsec = (long)(target % 1000000000ULL);
	while (!interrupted &&
	       clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR)
		;
}

static const void *rebase(const void *p, const struct fbr_event *ev,
			  const unsigned char *to)
{
	return p ? to + ((const unsigned char *)p - ev->req.p) : NULL;
}

static int copy_into(unsigned char **buf, uint32_t *cap, const void *p,
		     uint32_t len)
{
	if (len > *cap || !*buf) {
		unsigned char *n = realloc(*buf, len ? len : 1);

		if (!n)
			return -ENOMEM;
		*buf = n;
		*cap = len;
	}
	memcpy(*buf, p, len);
	return 0;
}

/* The event's request (copied: it is rewritten) and recorded reply
   (copied only when a thread will look at it after the event). */
static int fill(struct replay *rp, struct job *j, const struct fbr_event *ev)
{
	j->offset = ev->req.offset;
	j->in = ev->in;
	if (copy_into(&j->req, &j->reqcap, ev->req.p, ev->req.caplen))
		return -ENOMEM;
	j->reqlen = ev->req.caplen;
	j->parsed = ev->args != NULL;
	j->args = (struct fbr_args){ 0 };
	if (ev->args) {
		j->args = *ev->args;
		j->args.in = rebase(ev->args->in, ev, j->req);
		j->args.name[0] = rebase(ev->args->name[0], ev, j->req);
		j->args.name[1] = rebase(ev->args->name[1], ev, j->req);
		j->args.tail = rebase(ev->args->tail, ev, j->req);
		j->args.ext = rebase(ev->args->ext, ev, j->req);
	}
	j->rep = ev->kind == FBR_EV_CALL ? ev->rep.p : NULL;
	j->replen = ev->rep.caplen;
	j->reporig = ev->rep.origlen;
	if (j->rep && rp->a->threads) {
		if (copy_into(&j->repbuf, &j->repcap, ev->rep.p, ev->rep.caplen))
			return -ENOMEM;
		j->rep = j->repbuf;
	}
	j->barrier = !j->parsed || ev->in.opcode == FUSE_INIT ||
		     ev->in.opcode == FUSE_DESTROY;
	if (!rp->a->bench && !rp->a->quiet)
		fbr_decoder_render(rp->dec, &j->line, ev, &rp->ro);
	return 0;
}

static void on_event(void *ctx, const struct fbr_event *ev)
{
	struct replay *rp = ctx;
	struct job *j;

	if (atomic_load(&rp->stop))
		return;
	if (!replayable(ev)) {
		rp->n.skipped++;
		return;
	}
	if (ev->req.caplen < ev->req.origlen) {
		replay_trouble(rp, "the request at byte %llu is cut short (a "
			       "snap length): a replay needs whole requests",
			       (unsigned long long)ev->req.offset);
		return;
	}
	if (!rp->session && start_session(rp, ev))
		return;
	pace(rp, ev->req.ts);
	j = sched_slot(rp);
	if (fill(rp, j, ev)) {
		replay_trouble(rp, "out of memory");
		return;
	}
	sched_submit(rp, j);
}

/* Read to the end, or to a stop; 0, or the reader's -errno. */
static int read_all(struct replay *rp)
{
	struct fbr_trace_rec rec;
	int ret;

	while (!atomic_load(&rp->stop)) {
		if (interrupted) {
			replay_trouble(rp, "interrupted");
			break;
		}
		ret = fbr_trace_read(rp->reader, &rec);
		if (ret != 1)
			return ret;
		if (fbr_decoder_feed(rp->dec, &rec)) {
			replay_trouble(rp, "out of memory");
			break;
		}
		if (rp->progress.on)
			progress_tick(&rp->progress, rp->sched.next,
				      fbr_trace_reader_offset(rp->reader));
	}
	return 0;
}

static void read_trace(struct replay *rp)
{
	int err = read_all(rp);

	if (err == -EBADMSG)
		replay_trouble(rp, "damaged at byte %llu: %s; the requests "
			       "before it were replayed",
			       (unsigned long long)fbr_trace_reader_offset(rp->reader),
			       fbr_trace_reader_error(rp->reader));
	else if (err)
		replay_trouble(rp, "cannot read: %s", strerror(-err));
	if (!atomic_load(&rp->stop))
		fbr_decoder_finish(rp->dec);
	sched_drain(rp);
	progress_clear(&rp->progress);
}

/* The end of a trace read through: lookups must be where they were. */
static void check_end(struct replay *rp)
{
	struct verdict v;

	if (atomic_load(&rp->stop) || !rp->session)
		return;
	verdict_init(&v);
	check_held(rp, &v);
	if (v.differs) {
		rp->n.differ++;
		if (!rp->a->quiet)
			report(rp, NULL, &v);
	}
	verdict_release(&v);
}

/* CPU time this process has used, ns: on a busy machine, what the
   replay itself cost, whatever else ran. */
static uint64_t cpu_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

static void bench_summary(struct replay *rp, uint64_t ns, uint64_t cpu)
{
	double s = (double)ns / 1e9, c = (double)cpu / 1e9;

	if (rp->a->quiet)
		return;
	printf("%llu requests in %.3f s: %.0f requests/s (%.3f s of CPU: "
	       "%.0f requests per CPU second)\n",
	       (unsigned long long)rp->n.replayed, s,
	       s > 0 ? (double)rp->n.replayed / s : 0, c,
	       c > 0 ? (double)rp->n.replayed / c : 0);
	fbr_summary_print(rp->bench, stdout, false);
	if (rp->n.differ)
		printf("%llu replies differed from the recording in their "
		       "error (run without --bench to see them)\n",
		       (unsigned long long)rp->n.differ);
	fflush(stdout);
}

static int open_trace(struct replay *rp)
{
	const char *why = NULL;
	int err = fbr_trace_reader_open_why(rp->a->file, &rp->reader, &why);
	const struct fbr_trace_file_header *h;
	struct stat st;

	if (err == -EBADMSG)
		errmsg("cannot read '%s': %s", rp->a->file, why);
	else if (err)
		errmsg("cannot open '%s': %s", rp->a->file, strerror(-err));
	if (err)
		return err;
	h = fbr_trace_reader_header(rp->reader);
	rp->ro = (struct fbr_render_opts){ .start_clock = h->start_clock,
					   .start_realtime = h->start_realtime };
	progress_init(&rp->progress, stat(rp->a->file, &st) ? 0 : (uint64_t)st.st_size);
	return 0;
}

static int open_driver(struct replay *rp)
{
	struct fbr_pt_opts o = rp->a->pt;
	int err;

	o.source = rp->root.path;
	err = replay_driver_new(rp->a->driver, &o, &rp->drv);
	if (err) {
		errmsg("cannot serve '%s' with the %s driver: %s", o.source,
		       rp->a->driver, strerror(-err));
		return err;
	}
	rp->have_drv = true;
	return 0;
}

/* Everything the replay needs, in the order that undoes cleanly. */
static int setup(struct replay *rp)
{
	int err = open_trace(rp);

	if (!err)
		err = root_prepare(rp->a, &rp->root);
	if (!err)
		err = open_driver(rp);
	if (err)
		return err;
	if (fbr_decoder_new(on_event, rp, &rp->dec) ||
	    worker_init(&rp->main, rp) ||
	    (rp->a->bench && !(rp->bench = fbr_summary_new()))) {
		errmsg("out of memory");
		return -ENOMEM;
	}
	err = sched_init(rp);
	if (err)
		errmsg("cannot start %u threads: %s", rp->a->threads,
		       strerror(-err));
	return err;
}

static void teardown(struct replay *rp)
{
	sched_fini(rp);
	fbr_session_free(rp->session); /* DESTROY: deferred replies end */
	while (rp->retired) {
		struct retired *r = rp->retired;

		rp->retired = r->next;
		fbr_memsink_release(&r->sink);
		free(r);
	}
	worker_release(&rp->main);
	if (rp->have_drv)
		rp->drv.free(&rp->drv);
	fbr_decoder_free(rp->dec);
	fbr_trace_reader_close(rp->reader);
	if (rp->root.path)
		root_finish(rp->a, &rp->root);
	ids_free(&rp->ids);
	dirs_free(&rp->dirs);
	fbr_summary_free(rp->bench);
	fbr_emit_release(&rp->out);
	pthread_mutex_destroy(&rp->lock);
}

static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int run(const struct args *a)
{
	struct replay rp = { .a = a };
	uint64_t t0, c0;

	pthread_mutex_init(&rp.lock, NULL);
	fbr_emit_init(&rp.out, false);
	catch_signals();
	if (setup(&rp)) {
		teardown(&rp);
		return EXIT_TROUBLE;
	}
	t0 = now_ns();
	c0 = cpu_ns();
	read_trace(&rp);
	if (a->bench)
		bench_summary(&rp, now_ns() - t0, cpu_ns() - c0);
	check_end(&rp);
	if (!a->bench)
		report_summary(&rp);
	teardown(&rp);
	return rp.trouble ? EXIT_TROUBLE : rp.n.differ ? EXIT_DIFFER : EXIT_SAME;
}
