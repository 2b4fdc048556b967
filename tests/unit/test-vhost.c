/*
 * The virtio-fs transport end to end, against a fake front-end in this
 * process (vufront.c): a socketpair for vhost-user messages, a memfd as
 * guest memory, and eventfds for kick and call.  Real FUSE
 * requests go through the dispatcher to the passthrough driver over a
 * scratch directory; then malformed chains and malformed messages, which
 * must be refused without harm.
 *
 * test-vhost --connect SOCKET --read NAME TEXT | --write drives a back-end
 * in another process instead (the examples): it brings up hiprio and one
 * request queue, then reads file NAME and expects TEXT, or creates a
 * file, writes, reads back, makes a directory, renames and removes.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "fbr/fuse_abi.h"
#include "fbr/passthrough.h"
#include "fbr/virtiofs.h"
#include "fakefs.h"
#include "tap.h"
#include "vufront.h"

static int bfd = -1;        /* the back-end's end */
static pthread_t server;
static int server_ret;
static struct fbr_virtiofs *vfs;
static struct fbr_session *sess;
static struct fbr_driver drv;
static char scratch[] = "/tmp/fbr-vhost-XXXXXX";
static unsigned nq = NQ;    /* queues brought up: 2 for --connect */

/* ---- the back-end in its own thread ---- */

static void *serve_thread(void *arg)
{
	(void)arg;
	server_ret = fbr_virtiofs_serve(vfs, bfd);
	return NULL;
}

static void connect_backend(void)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		abort();
	sock = sv[0];
	bfd = sv[1];
	pthread_create(&server, NULL, serve_thread, NULL);
}

static int disconnect_backend(void)
{
	close(sock);
	sock = -1;
	pthread_join(server, NULL);
	close(bfd);
	return server_ret;
}

/* ---- FUSE requests through the ring ---- */

static void test_init(void)
{
	struct fuse_init_in in = { .major = 7, .minor = 38,
				   .max_readahead = 65536 };
	uint32_t len = build(FUSE_INIT, 0, &in, sizeof(in), NULL, 0, 0);
	int64_t used = simple(len, 4096, 0);
	const struct fuse_init_out *o = (const void *)(out_hdr() + 1);

	ok(used > 16 && out_hdr()->error == 0 && out_hdr()->len == used,
	   "INIT answered (%lld bytes, error %d)", (long long)used,
	   out_hdr()->error);
	ok(o->major == 7 && o->max_write == FBR_VIRTIOFS_MAX_WRITE,
	   "INIT: major 7, max_write %u", o->max_write);
}

static uint64_t lookup(const char *name, uint64_t itab, int *error)
{
	uint32_t len = build(FUSE_LOOKUP, 1, NULL, 0, name, strlen(name) + 1, 0);
	int64_t used = simple(len, 4096, itab);
	const struct fuse_entry_out *e = (const void *)(out_hdr() + 1);

	*error = used >= 16 ? out_hdr()->error : 1;
	return *error ? 0 : e->nodeid;
}

static uint64_t open_file(uint64_t nodeid)
{
	struct fuse_open_in in = { .flags = O_RDWR };
	uint32_t len = build(FUSE_OPEN, nodeid, &in, sizeof(in), NULL, 0, 0);
	int64_t used = simple(len, 4096, 0);
	const struct fuse_open_out *o = (const void *)(out_hdr() + 1);

	ok(used == 16 + sizeof(*o) && out_hdr()->error == 0, "OPEN answered");
	return o->fh;
}

static const char data[] = "hello, virtio world";

/* WRITE with its data in three descriptors over both regions, indirect. */
static void test_write(uint64_t nodeid, uint64_t fh)
{
	struct fuse_write_in win = { .fh = fh, .size = sizeof(data) - 1 };
	uint32_t wlen = build(FUSE_WRITE, nodeid, &win, sizeof(win), NULL, 0,
			      win.size);
	struct seg w[6] = {
		{ REQ_GPA, 40, false },
		{ REQ_GPA + 40, wlen - 40, false },
		{ R1_GPA + 0x10, 7, false },
		{ 0x180000, 5, false },
		{ R1_GPA + 0x20, 7, false },
		{ OUT_GPA, 4096, true },
	};
	const struct fuse_write_out *wo = (const void *)(out_hdr() + 1);
	char path[256], got[64] = "";
	int64_t used;
	FILE *f;

	memcpy(g2p(w[2].gpa), data, 7);
	memcpy(g2p(w[3].gpa), data + 7, 5);
	memcpy(g2p(w[4].gpa), data + 12, 7);
	submit(1, w, 6, 0x190000);
	used = wait_used(1, 5000);
	ok(used == 16 + sizeof(*wo) && out_hdr()->error == 0 &&
	   wo->size == win.size, "WRITE from 3 data descriptors, indirect "
	   "(used %lld, error %d, size %u)", (long long)used,
	   out_hdr()->error, wo->size);
	snprintf(path, sizeof(path), "%s/f", scratch);
	f = fopen(path, "r");
	if (f) {
		if (!fgets(got, sizeof(got), f))
			got[0] = 0;
		fclose(f);
	}
	ok(!strcmp(got, data), "the host file holds '%s'", got);
}

/* READ into three writable descriptors: 16 + 3, then 6, then 64. */
static void test_read(uint64_t nodeid, uint64_t fh)
{
	struct fuse_read_in rin = { .fh = fh, .size = 64 };
	uint32_t rlen = build(FUSE_READ, nodeid, &rin, sizeof(rin), NULL, 0, 0);
	struct seg r[4] = {
		{ REQ_GPA, rlen, false },
		{ OUT_GPA, 19, true },
		{ 0x1a0000, 6, true },
		{ R1_GPA + 0x1a0000, 64, true },
	};
	char back[32] = "";
	int64_t used;

	submit(1, r, 4, 0);
	used = wait_used(1, 5000);
	memcpy(back, (char *)g2p(OUT_GPA) + 16, 3);
	memcpy(back + 3, g2p(0x1a0000), 6);
	memcpy(back + 9, g2p(R1_GPA + 0x1a0000), 10);
	ok(used == 16 + 19 && out_hdr()->error == 0 && !strcmp(back, data),
	   "READ into 3 descriptors: '%s'", back);
}

static void test_requests(void)
{
	int error;
	uint64_t nodeid, fh;
	char path[256];

	test_init();
	snprintf(path, sizeof(path), "%s/f", scratch);
	close(open(path, O_CREAT | O_WRONLY, 0644));
	nodeid = lookup("f", 0, &error);
	ok(!error && nodeid, "LOOKUP f (error %d)", error);
	nodeid = lookup("f", 0x190000, &error);
	ok(!error && nodeid, "LOOKUP f through an indirect table");
	lookup("nonexistent", 0, &error);
	is_int(error, -ENOENT, "LOOKUP of a missing name: ENOENT");
	fh = open_file(nodeid);
	test_write(nodeid, fh);
	test_read(nodeid, fh);
	/* A guest unmount sends DESTROY; its next mount starts with INIT. */
	is_int(simple(build(FUSE_DESTROY, 0, NULL, 0, NULL, 0, 0), 4096, 0),
	       16, "DESTROY answered");
	test_init();
}

/*
 * Two request queues, each with a thread of its own: an OPEN of a fifo
 * blocks queue 1's thread in the server until a writer comes, and queue 2
 * answers meanwhile.  (Debian 12's guest kernel uses one request queue;
 * this is where more are shown to work.)
 */
#define REQ2_GPA 0x180000ull
#define OUT2_GPA (R1_GPA + 0x180000)

static void test_multiqueue(void)
{
	struct fuse_open_in oin = { .flags = O_RDONLY };
	struct fuse_release_in rin = { 0 };
	struct seg s[2] = { { REQ_GPA, 0, false }, { OUT_GPA, 4096, true } };
	struct seg s2[2] = { { REQ2_GPA, 0, false }, { OUT2_GPA, 4096, true } };
	const struct fuse_out_header *o2 = g2p(OUT2_GPA);
	char path[256];
	uint64_t fifo;
	int error, w;

	snprintf(path, sizeof(path), "%s/fifo", scratch);
	if (mkfifo(path, 0600) || !(fifo = lookup("fifo", 0, &error))) {
		skip("no fifo", "queues served apart");
		return;
	}
	s[0].len = build(FUSE_OPEN, fifo, &oin, sizeof(oin), NULL, 0, 0);
	submit(1, s, 2, 0);
	is_int(wait_used(1, 300), -1, "queue 1: OPEN of a fifo waits for a writer");
	s2[0].len = build(FUSE_LOOKUP, 1, NULL, 0, "f", 2, 0);
	memcpy(g2p(REQ2_GPA), g2p(REQ_GPA), s2[0].len);
	memset(g2p(OUT2_GPA), 0xee, 4096);
	submit(2, s2, 2, 0);
	ok(wait_used(2, 5000) > 16 && o2->error == 0,
	   "queue 2 answers LOOKUP meanwhile (error %d)", o2->error);
	w = open(path, O_WRONLY | O_CLOEXEC);
	ok(wait_used(1, 5000) > 16 && out_hdr()->error == 0,
	   "queue 1's OPEN completes once a writer opens");
	rin.fh = ((const struct fuse_open_out *)(out_hdr() + 1))->fh;
	s[0].len = build(FUSE_RELEASE, fifo, &rin, sizeof(rin), NULL, 0, 0);
	submit(2, s, 2, 0);
	ok(wait_used(2, 5000) == 16 && out_hdr()->error == 0,
	   "RELEASE on the other queue");
	close(w);
}

/* ---- chains that break the rules ---- */

/* Make the chain at head available as is, and kick. */
static void offer_head(unsigned q, uint16_t head)
{
	struct ring *r = &rings[q];
	uint64_t one = 1;

	r->avail->ring[r->avail_idx % QNUM] = head;
	__atomic_store_n(&r->avail->idx, ++r->avail_idx, __ATOMIC_RELEASE);
	if (write(r->kick, &one, sizeof(one)) < 0)
		abort();
}

/* Buffers in the wrong place: each chain comes back unused. */
static void test_bad_buffers(void)
{
	uint32_t len = build(FUSE_STATFS, 1, NULL, 0, NULL, 0, 0);
	struct seg s[2] = { { 3ull << 20, len, false }, /* between regions */
			    { OUT_GPA, 4096, true } };

	submit(1, s, 2, 0);
	is_int(wait_used(1, 5000), 0, "a buffer outside guest memory: used, 0 bytes");
	s[0] = (struct seg){ REGION - 8, 16, false }; /* crosses the end */
	submit(1, s, 2, 0);
	is_int(wait_used(1, 5000), 0, "a buffer crossing a region's end: 0 bytes");
	s[0] = (struct seg){ REQ_GPA, len, true };
	s[1].write = false;
	submit(1, s, 2, 0);
	is_int(wait_used(1, 5000), 0, "readable after writable: 0 bytes");
}

/* Chains whose shape is wrong: a loop, too long, an indirect table outside. */
static void test_bad_shapes(void)
{
	struct ring *r = &rings[1];
	uint16_t head = (uint16_t)(r->avail_idx * 4 % QNUM);
	static struct seg many[1100];

	r->desc[head] = (struct fbr_vq_desc){ REQ_GPA, 40,
		FBR_VQ_DESC_F_NEXT, (uint16_t)(head + 1) };
	r->desc[head + 1] = (struct fbr_vq_desc){ OUT_GPA, 64,
		FBR_VQ_DESC_F_NEXT | FBR_VQ_DESC_F_WRITE, head };
	offer_head(1, head);
	is_int(wait_used(1, 5000), 0, "a descriptor loop: 0 bytes");

	for (int i = 0; i < 1100; i++)
		many[i] = (struct seg){ REQ_GPA, 1, false };
	many[1099] = (struct seg){ OUT_GPA, 64, true };
	submit(1, many, 1100, 0x1c0000);
	is_int(wait_used(1, 5000), 0, "a chain of 1100: 0 bytes");

	head = (uint16_t)(r->avail_idx % QNUM);
	r->desc[head] = (struct fbr_vq_desc){ 5ull << 20, 32,
		FBR_VQ_DESC_F_INDIRECT, 0 };
	offer_head(1, head);
	is_int(wait_used(1, 5000), 0, "an indirect table outside memory");
}

/* Requests the dispatcher cannot answer in the room given. */
static void test_bad_requests(void)
{
	uint32_t len;
	int64_t used;
	int error;

	used = simple(build(FUSE_STATFS, 1, NULL, 0, NULL, 0, 0), 20, 0);
	ok(used == 16 && out_hdr()->error == -EIO,
	   "a short writable buffer gets a bare EIO (%lld, %d)",
	   (long long)used, out_hdr()->error);
	is_int(simple(build(FUSE_STATFS, 1, NULL, 0, NULL, 0, 0), 8, 0), 0,
	       "no room even for a header: 0 bytes");
	len = build(FUSE_LOOKUP, 1, NULL, 0, "f", 2, 0);
	used = simple(len - 1, 4096, 0);
	ok(used == 16 && out_hdr()->error == -EINVAL,
	   "a truncated request: EINVAL (%d)", out_hdr()->error);
	lookup("f", 0, &error);
	is_int(error, 0, "the queue still serves");
}

static void test_bad_chains(void)
{
	test_bad_buffers();
	test_bad_shapes();
	test_bad_requests();
	/* A head index outside the ring breaks the queue for good. */
	offer_head(1, QNUM + 3);
	is_int(wait_used(1, 300), -1, "a head out of the ring: queue stops");
}

/*
 * A guest reboot or driver reset: every queue stops, then the rings are
 * set up afresh and the new driver starts with INIT, which must be
 * accepted (the FUSE session was reset when the last queue stopped).
 */
static void test_restart(void)
{
	struct vu_vring_state st;
	int error;

	for (unsigned q = 0; q < NQ; q++) {
		if (q == 1)
			continue; /* stopped by the bad head already */
		st = (struct vu_vring_state){ q, 0 };
		ok(send_msg(VU_GET_VRING_BASE, 0, &st, sizeof(st), NULL, 0) == 0 &&
		   recv_reply(VU_GET_VRING_BASE, &st, sizeof(st)) == 0,
		   "queue %u stopped too", q);
	}
	for (unsigned q = 0; q < NQ; q++) {
		close(rings[q].kick);
		close(rings[q].call);
		ring_layout(q);
		is_int(setup_queue(q), 0, "queue %u set up again", q);
	}
	test_init();
	lookup("f", 0, &error);
	is_int(error, 0, "the new session serves");
}

/* Connect, negotiate, map memory and start every queue. */
static void bring_up(void)
{
	if (sock < 0)
		connect_backend();
	is_int(negotiate(nq), 0, "SET_OWNER acked");
	is_int(map_memory(), 0, "SET_MEM_TABLE and ADD_MEM_REG acked");
	for (unsigned q = 0; q < nq; q++) {
		ring_layout(q);
		is_int(setup_queue(q), 0, "queue %u set up and enabled", q);
	}
}

static void test_session(void)
{
	struct vu_vring_state st = { 1, 0 };

	bring_up();
	test_requests();
	test_multiqueue();
	/* FORGET on the hiprio queue: used, no reply. */
	{
		struct fuse_forget_in fin = { .nlookup = 1 };
		uint32_t len = build(FUSE_FORGET, 2, &fin, sizeof(fin), NULL,
				     0, 0);
		struct seg s = { REQ_GPA, len, false };

		submit(0, &s, 1, 0);
		is_int(wait_used(0, 5000), 0, "FORGET on hiprio: used, no reply");
	}
	test_bad_chains();
	if (send_msg(VU_GET_VRING_BASE, 0, &st, sizeof(st), NULL, 0) ||
	    recv_reply(VU_GET_VRING_BASE, &st, sizeof(st)))
		st.num = 9999;
	/* The bad head was never taken: the ring stopped in front of it. */
	is_int(st.num, (uint16_t)(rings[1].avail_idx - 1),
	       "GET_VRING_BASE: where the queue stopped");
	test_restart();
	{
		struct vu_mem_single s = { 0 };

		s.r = (struct vu_mem_region){ R1_GPA, REGION, UVA_BASE + R1_GPA,
					      REGION };
		is_int(call(VU_REM_MEM_REG, &s, sizeof(s), NULL, 0), 0,
		       "REM_MEM_REG acked");
		ok(call(VU_REM_MEM_REG, &s, sizeof(s), NULL, 0) > 0,
		   "REM_MEM_REG of a region not there: refused");
	}
	is_int(disconnect_backend(), 0, "hang-up ends serve() with 0");
}

/* ---- malformed messages, on a second connection ---- */

static double cpu_seconds(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

/* A kick fd that is always readable (/dev/null) must not make us spin. */
static void test_bad_kick(void)
{
	struct vu_vring_addr a = {
		.index = 1, .desc = UVA_BASE + rings[1].gpa,
		.avail = UVA_BASE + rings[1].gpa + 0x1000,
		.used = UVA_BASE + rings[1].gpa + 0x2000,
	};
	struct vu_vring_state st = { 1, 0 };
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	double before;

	ok(call(VU_SET_VRING_ADDR, &a, sizeof(a), NULL, 0) == 0 &&
	   call_fd(VU_SET_VRING_KICK, 1, null) == 0,
	   "a queue kicked through /dev/null starts");
	before = cpu_seconds();
	usleep(300 * 1000);
	ok(cpu_seconds() - before < 0.15, "...and its thread does not spin "
	   "(%.3f s of CPU in 0.3 s)", cpu_seconds() - before);
	ok(send_msg(VU_GET_VRING_BASE, 0, &st, sizeof(st), NULL, 0) == 0 &&
	   recv_reply(VU_GET_VRING_BASE, &st, sizeof(st)) == 0,
	   "GET_VRING_BASE stops it");
	close(null);
}

static void test_bad_messages(void)
{
	struct vu_mem_table t = { .nregions = 1 };
	struct vu_mem_single s = { 0 };
	struct vu_vring_addr a = { .index = 1, .desc = 0x1234 };
	uint64_t pf = 1ull << VU_PROTO_REPLY_ACK;
	char big[8192] = { 0 };

	connect_backend();
	send_msg(VU_SET_PROTOCOL_FEATURES, 0, &pf, 8, NULL, 0);
	ok(call(99, NULL, 0, NULL, 0) > 0, "an unknown request: nack");
	ok(call(VU_ADD_MEM_REG, &s, sizeof(s), NULL, 0) > 0,
	   "ADD_MEM_REG without an fd: nack");
	t.r[0] = (struct vu_mem_region){ 0, UINT64_MAX - 10, 0, 0 };
	ok(call(VU_SET_MEM_TABLE, &t, 8 + sizeof(t.r[0]), &memfd, 1) > 0,
	   "a region that wraps around: nack");
	t.r[0] = (struct vu_mem_region){ 0, 2 * MEM_SIZE, UVA_BASE, 0 };
	ok(call(VU_SET_MEM_TABLE, &t, 8 + sizeof(t.r[0]), &memfd, 1) > 0,
	   "a region past the end of its file (SIGBUS if mapped): nack");
	t.r[0] = (struct vu_mem_region){ 0, REGION, UVA_BASE, 0 };
	is_int(call(VU_SET_MEM_TABLE, &t, 8 + sizeof(t.r[0]), &memfd, 1), 0,
	       "a good table after a bad one");
	ok(call(VU_SET_VRING_ADDR, &a, sizeof(a), NULL, 0) == 0 &&
	   call_state(VU_SET_VRING_NUM, 1, 16) == 0 &&
	   call_fd(VU_SET_VRING_KICK, 1, rings[1].kick) > 0,
	   "a ring outside guest memory does not start");
	ok(call_state(VU_SET_VRING_NUM, 1, 3) > 0, "a ring of 3: nack");
	ok(call_state(VU_SET_VRING_NUM, 200, 16) > 0, "queue 200: nack");
	ok(call(VU_SET_FEATURES, &pf, 4, NULL, 0) > 0,
	   "SET_FEATURES with 4 bytes: nack");
	ok(get_u64(VU_GET_FEATURES) > 0, "a broken device still answers");
	is_int(call(VU_RESET_OWNER, NULL, 0, NULL, 0), 0, "RESET_OWNER");
	is_int(call(VU_RESET_DEVICE, NULL, 0, NULL, 0), 0, "RESET_DEVICE");
	is_int(call_state(VU_SET_VRING_NUM, 1, 16), 0, "works again after reset");
	test_bad_kick();
	send_msg(VU_SET_OWNER, 0, big, sizeof(big), NULL, 0);
	ok(disconnect_backend() < 0, "an oversized message ends the connection");
}

/* ---- a reply sent later, from another thread ---- */

static int64_t setlkw(uint64_t owner)
{
	struct fuse_lk_in in = { .owner = owner, .lk = { .type = F_WRLCK } };
	uint32_t len = build(FUSE_SETLKW, 2, &in, sizeof(in), NULL, 0, 0);
	struct seg s[2] = { { REQ_GPA, len, false }, { OUT_GPA, 4096, true } };

	memset(g2p(OUT_GPA), 0xee, 64);
	submit(1, s, 2, 0);
	return wait_used(1, 300);
}

static void test_deferred(void)
{
	struct fbr_driver fake = { .ops = &fake_ops };
	struct fbr_session_opts so = { .max_write = FBR_VIRTIOFS_MAX_WRITE,
				       .data_apart = true };
	struct fbr_virtiofs_opts vo = { .request_queues = NQ - 1 };
	struct fbr_session *s = fbr_session_new(&fake, &so);
	struct fbr_virtiofs *keep = vfs;
	struct vu_vring_state st = { 1, 0 };

	if (!s || fbr_virtiofs_new(s, &vo, &vfs)) {
		ok(false, "a session with the fake driver");
		return;
	}
	bring_up();
	test_init();
	is_int(setlkw(77), -1, "SETLKW that waits: no reply yet");
	ok(fake_deferred != NULL, "the driver deferred it");
	fbr_req_reply(fake_deferred, 0);
	is_int(wait_used(1, 5000), 16, "the late reply lands in its chain");
	is_int(out_hdr()->error, 0, "...granted");
	is_int(setlkw(77), -1, "another SETLKW waits");
	if (send_msg(VU_GET_VRING_BASE, 0, &st, sizeof(st), NULL, 0) ||
	    recv_reply(VU_GET_VRING_BASE, &st, sizeof(st)))
		st.num = 9999;
	is_int(st.num, rings[1].avail_idx, "the queue stops with it in flight");
	fbr_req_reply(fake_deferred, 0);
	is_int(wait_used(1, 300), -1, "a late reply to a stopped queue: dropped");
	is_int(disconnect_backend(), 0, "hang-up");
	fbr_virtiofs_free(vfs);
	fbr_session_free(s);
	vfs = keep;
}

/* ---- a back-end in another process: --connect ---- */

/* An entry's nodeid (and the handle of a CREATE) from the reply at OUT_GPA. */
static uint64_t reply_nodeid(int64_t used, uint64_t *fh)
{
	const struct fuse_entry_out *e = (const void *)(out_hdr() + 1);

	if (used < 16 || out_hdr()->error)
		return 0;
	if (fh)
		*fh = ((const struct fuse_open_out *)(e + 1))->fh;
	return e->nodeid;
}

/* READ size bytes at 0 into a string; NULL for an error reply. */
static const char *read_back(uint64_t nodeid, uint64_t fh, char *buf,
			     size_t size)
{
	struct fuse_read_in rin = { .fh = fh, .size = (uint32_t)size - 1 };
	int64_t used = simple(build(FUSE_READ, nodeid, &rin, sizeof(rin),
				    NULL, 0, 0), 4096, 0);

	if (used < 16 || out_hdr()->error)
		return NULL;
	memcpy(buf, out_hdr() + 1, (size_t)used - 16);
	buf[used - 16] = 0;
	return buf;
}

static void external_read(const char *name, const char *text)
{
	struct fuse_open_in oin = { .flags = O_RDONLY };
	char buf[1024];
	const char *got;
	uint64_t nodeid, fh;
	int error;

	nodeid = lookup(name, 0, &error);
	is_int(error, 0, "LOOKUP %s", name);
	ok(simple(build(FUSE_OPEN, nodeid, &oin, sizeof(oin), NULL, 0, 0),
		  4096, 0) > 16 && out_hdr()->error == 0, "OPEN %s", name);
	fh = ((const struct fuse_open_out *)(out_hdr() + 1))->fh;
	got = read_back(nodeid, fh, buf, sizeof(buf));
	ok(got && !strcmp(got, text), "READ %s: the %zu bytes expected", name,
	   strlen(text));
}

/* Put the name (with its NUL) after the arguments and send it. */
static int64_t send_named(uint32_t opcode, uint64_t nodeid, const void *arg,
			  size_t arglen, const char *name, size_t namelen)
{
	return simple(build(opcode, nodeid, arg, arglen, name, namelen, 0),
		      4096, 0);
}

static void external_write(void)
{
	static const char text[] = "written through virtio-fs";
	struct fuse_create_in cin = { .flags = O_RDWR, .mode = 0644 | S_IFREG };
	struct fuse_mkdir_in min = { .mode = 0755 };
	struct fuse_write_in win = { .size = sizeof(text) - 1 };
	struct fuse_rename_in rin = { .newdir = 0 };
	char buf[1024], names[8] = "f\0g";
	uint64_t f, d, fh = 0;
	uint32_t len;
	const char *got;

	f = reply_nodeid(send_named(FUSE_CREATE, 1, &cin, sizeof(cin), "f", 2), &fh);
	ok(f != 0, "CREATE f");
	win.fh = fh;
	len = build(FUSE_WRITE, f, &win, sizeof(win), NULL, 0, win.size);
	memcpy((char *)g2p(REQ_GPA) + len, text, win.size);
	ok(simple(len + win.size, 4096, 0) == 16 + sizeof(struct fuse_write_out) &&
	   out_hdr()->error == 0, "WRITE %u bytes", win.size);
	got = read_back(f, fh, buf, sizeof(buf));
	ok(got && !strcmp(got, text), "READ it back: '%s'", got ? got : "");
	d = reply_nodeid(send_named(FUSE_MKDIR, 1, &min, sizeof(min), "d", 2), NULL);
	ok(d != 0, "MKDIR d");
	rin.newdir = d;
	send_named(FUSE_RENAME, 1, &rin, sizeof(rin), names, 4);
	is_int(out_hdr()->error, 0, "RENAME f to d/g");
	send_named(FUSE_RMDIR, 1, NULL, 0, "d", 2);
	is_int(out_hdr()->error, -ENOTEMPTY, "RMDIR d, not empty: ENOTEMPTY");
	send_named(FUSE_UNLINK, d, NULL, 0, "g", 2);
	is_int(out_hdr()->error, 0, "UNLINK d/g");
	send_named(FUSE_RMDIR, 1, NULL, 0, "d", 2);
	is_int(out_hdr()->error, 0, "RMDIR d");
}

/* argv: SOCKET --read NAME TEXT, or SOCKET --write. */
static int external(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	bool rd = argc == 4 && !strcmp(argv[1], "--read");

	if (!rd && (argc != 2 || strcmp(argv[1], "--write"))) {
		fprintf(stderr, "usage: test-vhost --connect SOCKET "
			"(--read NAME TEXT | --write)\n");
		return 2;
	}
	if (guest_memory())
		skip_all("no guest memory");
	nq = 2;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[0]);
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0 || connect(sock, (struct sockaddr *)&sa, sizeof(sa))) {
		ok(false, "connect to %s: %s", argv[0], strerror(errno));
		return done_testing();
	}
	bring_up();
	test_init();
	if (rd)
		external_read(argv[2], argv[3]);
	else
		external_write();
	close(sock);
	return done_testing();
}

static void setup(void)
{
	struct fbr_pt_opts po = { .source = scratch, .cache = FBR_PT_CACHE_NEVER,
				  .entry_timeout = -1, .attr_timeout = -1 };
	struct fbr_session_opts so = { .max_write = FBR_VIRTIOFS_MAX_WRITE,
				       .data_apart = true };
	struct fbr_virtiofs_opts vo = { .request_queues = NQ - 1 };

	if (!mkdtemp(scratch))
		skip_all("no scratch directory");
	if (guest_memory() || fbr_passthrough_new(&po, &drv))
		skip_all("no guest memory or no driver");
	sess = fbr_session_new(&drv, &so);
	if (!sess || fbr_virtiofs_new(sess, &vo, &vfs))
		skip_all("no session");
}

int main(int argc, char **argv)
{
	char cmd[300];

	if (argc > 2 && !strcmp(argv[1], "--connect"))
		return external(argc - 2, argv + 2);
	setup();
	test_session();
	test_bad_messages();
	test_deferred();
	fbr_virtiofs_free(vfs);
	fbr_session_free(sess);
	fbr_passthrough_free(&drv);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch);
	if (system(cmd))
		diag("cannot remove %s", scratch);
	return done_testing();
}
