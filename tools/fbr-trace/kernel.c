/*
 * fbr-trace kernel: any FUSE mount, whatever its server, watched through
 * the kernel's tracepoints fuse:fuse_request_send and fuse:fuse_request_end
 * (Linux 6.16 and later).  They give the connection, the unique, the
 * opcode, the lengths and the error, not the payload.
 *
 * The events are enabled in a tracefs instance of our own, so that the
 * global buffer and other tracers are left alone, with the monotonic
 * clock of trace files, and read as text from its trace_pipe.  Each event
 * becomes a record holding the one header the kernel would have sent or
 * received (the rest counted in its length but absent), so the decoder,
 * the filters, -c and --perfetto work on them as on any trace; or the
 * records go to a trace file (-o).
 *
 * Uniques count per connection: watching every mount, the connection
 * number goes in the unique's top 24 bits so that replies still pair.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "fbr/fuse_abi.h"
#include "fbr-trace.h"
#include "trace/trace.h"

#define TRACEFS "/sys/kernel/tracing"
#define CONN_SHIFT 40
#define FUSE_SUPER_MAGIC 0x65735546
#define PIPE_BUF_SIZE 65536

struct ktrace {
	const struct args *a;
	char dir[64];              /* our instance */
	int pipe;                  /* its trace_pipe */
	struct fbr_trace *out;     /* -o */
	struct decoding *dec;      /* or lines */
	uint32_t conn;             /* the one watched, if a->by_connection */
	bool one_conn;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int put(const char *dir, const char *file, const char *val)
{
	char path[128];
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		err = -errno;
	close(fd);
	return err;
}

/*
 * tracefs mounted, with fuse's events.  Where it is not, we mount it, and
 * unmount it at the end (*mounted): the machine is left as it was found.
 */
static int tracefs_ready(bool *mounted)
{
	*mounted = false;
	if (access(TRACEFS "/README", F_OK) < 0) {
		if (mount("tracefs", TRACEFS, "tracefs", 0, NULL) < 0) {
			errmsg("cannot mount tracefs on %s: %s", TRACEFS,
			       strerror(errno));
			return -1;
		}
		*mounted = true;
	}
	if (access(TRACEFS "/events/fuse/fuse_request_send", F_OK) < 0) {
		errmsg("this kernel has no FUSE tracepoints (Linux 6.16 or later)");
		return -1;
	}
	return 0;
}

/* The connection of the FUSE mount at path, as the events name it. */
static int mount_connection(const char *path, uint32_t *conn)
{
	struct statfs sfs;
	struct stat st;

	if (stat(path, &st) < 0 || statfs(path, &sfs) < 0) {
		errmsg("cannot stat '%s': %s", path, strerror(errno));
		return -1;
	}
	if (sfs.f_type != FUSE_SUPER_MAGIC) {
		errmsg("'%s' is not a FUSE mount", path);
		return -1;
	}
	/* The kernel's dev_t: major in the top 12 bits, minor below. */
	*conn = (uint32_t)(major(st.st_dev) << 20 | minor(st.st_dev));
	return 0;
}

static int instance_open(struct ktrace *k)
{
	char filter[64], dir[sizeof(k->dir)];
	int err;

	snprintf(dir, sizeof(dir), TRACEFS "/instances/fbr-trace-%d",
		 (int)getpid());
	if (mkdir(dir, 0700) < 0) {
		errmsg("cannot make %s: %s", dir, strerror(errno));
		return -1;
	}
	memcpy(k->dir, dir, sizeof(dir));
	snprintf(filter, sizeof(filter), "connection == %" PRIu32, k->conn);
	err = put(k->dir, "trace_clock", "mono");
	if (!err && k->one_conn)
		err = put(k->dir, "events/fuse/filter", filter);
	if (!err)
		err = put(k->dir, "events/fuse/fuse_request_send/enable", "1");
	if (!err)
		err = put(k->dir, "events/fuse/fuse_request_end/enable", "1");
	if (err) {
		errmsg("cannot enable the FUSE events in %s: %s", k->dir,
		       strerror(-err));
		return -1;
	}
	snprintf(dir, sizeof(dir), "%s/trace_pipe", k->dir);
	k->pipe = open(dir, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (k->pipe < 0) {
		errmsg("cannot open %s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

static void instance_close(struct ktrace *k)
{
	if (k->pipe >= 0)
		close(k->pipe);
	if (!k->dir[0])
		return;
	put(k->dir, "events/fuse/enable", "0");
	if (rmdir(k->dir) < 0)
		errmsg("cannot remove %s: %s", k->dir, strerror(errno));
}

/* One event, parsed: what the text line of trace_pipe says. */
struct kev {
	bool send;
	uint32_t cpu, pid, conn, opcode, len;
	int32_t error;
	uint64_t unique, ts;
};

/*
 * "<comm>-<pid> [<cpu>] <flags> <sec>.<usec>: fuse_request_send:
 * connection C req U opcode O (NAME) len L" or "...: fuse_request_end:
 * connection C req U len L error E".  The command may hold anything, so
 * the line is read from the event name back and forth.
 */
static bool parse_event(const char *line, struct kev *e)
{
	const char *ev = strstr(line, ": fuse_request_"), *p;
	unsigned long long sec, usec;

	if (!ev)
		return false;
	for (p = ev; p > line && p[-1] != ' '; p--)
		;
	if (sscanf(p, "%llu.%llu:", &sec, &usec) != 2)
		return false;
	e->ts = sec * 1000000000ull + usec * 1000ull;
	while (p > line && p[-1] != '[')
		p--;
	if (p == line || sscanf(p, "%" SCNu32 "]", &e->cpu) != 1)
		return false;
	p -= 2; /* back over " [" */
	while (p > line && p[-1] != '-')
		p--;
	if (p == line || sscanf(p, "%" SCNu32, &e->pid) != 1)
		return false;
	ev += strlen(": fuse_request_");
	e->send = !strncmp(ev, "send:", 5);
	if (e->send)
		return sscanf(ev, "send: connection %" SCNu32 " req %" SCNu64
			      " opcode %" SCNu32 " %*s len %" SCNu32, &e->conn,
			      &e->unique, &e->opcode, &e->len) == 4;
	return sscanf(ev, "end: connection %" SCNu32 " req %" SCNu64
		      " len %" SCNu32 " error %" SCNd32, &e->conn, &e->unique,
		      &e->len, &e->error) == 4;
}

static int emit(struct ktrace *k, const struct kev *e)
{
	struct fuse_in_header in = { .len = e->len, .opcode = e->opcode,
				     .pid = e->pid };
	struct fuse_out_header out = { .len = e->len, .error = e->error };
	uint64_t unique = e->unique;
	const void *msg = e->send ? (const void *)&in : (const void *)&out;
	uint32_t caplen = e->send ? sizeof(in) : sizeof(out);
	enum fbr_trace_type type = e->send ? FBR_REC_REQUEST : FBR_REC_REPLY;
	struct fbr_trace_rec rec;

	if (!k->one_conn)
		unique |= (uint64_t)e->conn << CONN_SHIFT;
	in.unique = out.unique = unique;
	if (caplen > e->len)
		caplen = e->len; /* a length the kernel got wrong: keep it */
	if (k->out)
		return fbr_trace_write_part(k->out, type, e->cpu, e->ts, msg,
					    caplen, e->len);
	rec = (struct fbr_trace_rec){
		.h = { .type = (uint16_t)type, .ts = e->ts, .thread = e->cpu,
		       .caplen = caplen, .origlen = e->len,
		       .flags = caplen < e->len ? FBR_REC_TRUNCATED : 0 },
		.data = msg,
	};
	return decoding_feed(k->dec, &rec);
}

/* The whole lines in buf[0..*len), each parsed and sent on; the rest
   moves to the front. */
static int lines(struct ktrace *k, char *buf, size_t *len)
{
	char *p = buf, *nl;
	struct kev e;
	int err = 0;

	while (!err && (nl = memchr(p, '\n', *len - (size_t)(p - buf)))) {
		*nl = '\0';
		if (parse_event(p, &e))
			err = emit(k, &e);
		p = nl + 1;
	}
	*len -= (size_t)(p - buf);
	memmove(buf, p, *len);
	if (*len == PIPE_BUF_SIZE) /* no line is that long: drop it */
		*len = 0;
	return err;
}

/*
 * Until a signal: every event line in, a record out.  After it, what the
 * buffer still holds (events of the last moments, not yet read) is read
 * out to the end, with the events off, so that no request is cut off
 * from its reply.
 */
static int pump(struct ktrace *k)
{
	struct pollfd p = { k->pipe, POLLIN, 0 };
	static char buf[PIPE_BUF_SIZE];
	size_t len = 0;
	ssize_t n;
	int err = 0;
	bool draining = false;

	while (!err) {
		if (stop && !draining) /* no more events: an end to drain */
			draining = !put(k->dir, "events/fuse/enable", "0");
		if (!stop && poll(&p, 1, 200) <= 0) {
			if (k->dec)
				decoding_flush(k->dec);
			continue;
		}
		n = read(k->pipe, buf + len, sizeof(buf) - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN && !stop)
			continue;
		if (n <= 0) /* EAGAIN after the signal: drained */
			return n < 0 && errno != EAGAIN ? -errno : 0;
		len += (size_t)n;
		err = lines(k, buf, &len);
	}
	return err;
}

static int open_output(struct ktrace *k)
{
	struct fbr_trace_file_header h = { 0 };
	struct timespec mono, real;
	int err;

	if (k->a->output) {
		err = fbr_trace_create(k->a->output, FBR_TRACE_KERNEL, 0,
				       "fbr-trace " PACKAGE_VERSION, &k->out);
		if (err)
			errmsg("cannot create '%s': %s", k->a->output,
			       strerror(-err));
		return err ? -1 : 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	h.start_clock = (uint64_t)mono.tv_sec * 1000000000ull + mono.tv_nsec;
	h.start_realtime = (uint64_t)real.tv_sec * 1000000000ull + real.tv_nsec;
	return decoding_open(k->a, &h, "fbr-trace kernel", &k->dec) ? -1 : 0;
}

static int close_output(struct ktrace *k, int ret)
{
	if (k->dec)
		return decoding_close(k->dec) ? EXIT_FAIL : ret;
	if (k->out && fbr_trace_close(k->out) < 0) {
		errmsg("cannot write '%s'", k->a->output);
		return EXIT_FAIL;
	}
	return ret;
}

int kernel_run(const struct args *a)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct ktrace k = { .a = a, .conn = a->connection, .pipe = -1,
			    .one_conn = a->by_connection || a->mountpoint };
	int ret = EXIT_FAIL, err;
	bool mounted;

	if (tracefs_ready(&mounted) < 0 ||
	    (a->mountpoint && mount_connection(a->mountpoint, &k.conn) < 0)) {
		if (mounted)
			umount(TRACEFS);
		return EXIT_FAIL;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (instance_open(&k) == 0 && open_output(&k) == 0) {
		err = pump(&k);
		if (err)
			errmsg("cannot record: %s", strerror(-err));
		ret = err ? EXIT_FAIL : EXIT_OK;
		ret = close_output(&k, ret);
	}
	instance_close(&k);
	if (mounted)
		umount(TRACEFS); /* busy (another user): left mounted */
	return ret;
}
