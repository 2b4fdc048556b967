/*
 * A fake vhost-user front-end for the unit tests: a memfd as guest memory
 * (mapped here too, where the test builds rings and descriptor chains as
 * a guest driver would), vhost-user messages on a socket, and eventfds
 * for kick and call.  The back-end is fbr's virtio-fs transport in a
 * thread of the test, or an fbr-virtiofsd process.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tap.h"
#include "vufront.h"

unsigned char *mem;
int memfd = -1;
int sock = -1;
uint64_t next_unique = 1;

/* The guest memory: a memfd of MEM_SIZE, mapped whole here. */
int guest_memory(void)
{
	memfd = memfd_create("guest", MFD_CLOEXEC);
	if (memfd < 0 || ftruncate(memfd, MEM_SIZE))
		return -1;
	mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	return mem == MAP_FAILED ? -1 : 0;
}

struct ring rings[NQ];

/* Guest address to our pointer (both regions are 2 MiB of the memfd). */
void *g2p(uint64_t gpa)
{
	if (gpa >= R1_GPA)
		return mem + REGION + (gpa - R1_GPA);
	return mem + gpa;
}

/* ---- the front-end's side of the socket ---- */

int send_msg(uint32_t req, uint32_t flags, const void *p, uint32_t size,
		    const int *fds, int nfds)
{
	struct vu_header h = { req, VU_VERSION | flags, size };
	struct iovec iov[2] = { { &h, sizeof(h) }, { (void *)p, size } };
	union {
		char b[CMSG_SPACE(8 * sizeof(int))];
		struct cmsghdr a;
	} ctl;
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = size ? 2 : 1 };

	if (nfds) {
		struct cmsghdr *c;

		mh.msg_control = ctl.b;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
	}
	return sendmsg(sock, &mh, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

/* A reply's u64 (or vring state) payload; -1 when none came in time. */
int64_t recv_reply(uint32_t req, void *p, size_t size)
{
	struct vu_header h;
	struct pollfd pf = { sock, POLLIN, 0 };

	if (poll(&pf, 1, 5000) != 1 || read(sock, &h, sizeof(h)) != sizeof(h))
		return -1;
	if (h.request != req || !(h.flags & VU_FLAG_REPLY) || h.size != size)
		return -1;
	return read(sock, p, size) == (ssize_t)size ? 0 : -1;
}

/* Send with NEED_REPLY and return the ack: 0 for success. */
int64_t call(uint32_t req, const void *p, uint32_t size,
		    const int *fds, int nfds)
{
	uint64_t v;

	if (send_msg(req, VU_FLAG_NEED_REPLY, p, size, fds, nfds))
		return -1;
	return recv_reply(req, &v, sizeof(v)) ? -1 : (int64_t)v;
}

int64_t get_u64(uint32_t req)
{
	uint64_t v;

	if (send_msg(req, 0, NULL, 0, NULL, 0) || recv_reply(req, &v, 8))
		return -1;
	return (int64_t)v;
}

int64_t call_state(uint32_t req, uint32_t idx, uint32_t num)
{
	struct vu_vring_state s = { idx, num };

	return call(req, &s, sizeof(s), NULL, 0);
}

int64_t call_fd(uint32_t req, uint32_t idx, int fd)
{
	uint64_t v = idx;

	return call(req, &v, sizeof(v), &fd, 1);
}

/* ---- the guest driver's side of the rings ---- */

void ring_layout(unsigned q)
{
	struct ring *r = &rings[q];

	r->gpa = R0_GPA + 0x10000 * (q + 1);
	r->desc = g2p(r->gpa);
	r->avail = g2p(r->gpa + 0x1000);
	r->used = g2p(r->gpa + 0x2000);
	memset(r->desc, 0, 0x3000);
	r->avail_idx = r->used_seen = 0;
}

int64_t setup_queue(unsigned q)
{
	struct ring *r = &rings[q];
	struct vu_vring_addr a = {
		.index = q, .desc = UVA_BASE + r->gpa,
		.avail = UVA_BASE + r->gpa + 0x1000,
		.used = UVA_BASE + r->gpa + 0x2000,
	};
	int64_t err = 0;

	r->kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	r->call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	err |= call_state(VU_SET_VRING_NUM, q, QNUM);
	err |= call_state(VU_SET_VRING_BASE, q, 0);
	err |= call(VU_SET_VRING_ADDR, &a, sizeof(a), NULL, 0);
	err |= call_fd(VU_SET_VRING_CALL, q, r->call);
	err |= call_fd(VU_SET_VRING_ERR, q, r->call);
	err |= call_fd(VU_SET_VRING_KICK, q, r->kick);
	err |= call_state(VU_SET_VRING_ENABLE, q, 1);
	return err;
}

/* Make the chain available (in an indirect table at itab when nonzero). */
void submit(unsigned q, const struct seg *s, int n, uint64_t itab)
{
	struct ring *r = &rings[q];
	struct fbr_vq_desc *t = itab ? g2p(itab) : r->desc;
	uint16_t head = itab ? 0 : (uint16_t)(r->avail_idx * 4 % QNUM);
	uint64_t one = 1;

	for (int i = 0; i < n; i++) {
		unsigned at = (head + i) % (itab ? 2048 : QNUM);

		t[at] = (struct fbr_vq_desc){
			.addr = s[i].gpa, .len = s[i].len,
			.flags = (uint16_t)((s[i].write ? FBR_VQ_DESC_F_WRITE : 0) |
					    (i + 1 < n ? FBR_VQ_DESC_F_NEXT : 0)),
			.next = (uint16_t)((at + 1) % (itab ? 2048 : QNUM)),
		};
	}
	if (itab) {
		head = (uint16_t)(r->avail_idx % QNUM);
		r->desc[head] = (struct fbr_vq_desc){
			.addr = itab, .len = (uint32_t)(n * 16),
			.flags = FBR_VQ_DESC_F_INDIRECT,
		};
	}
	r->avail->ring[r->avail_idx % QNUM] = head;
	r->avail->ring[QNUM] = r->used_seen; /* used_event: tell me at once */
	__atomic_store_n(&r->avail->idx, ++r->avail_idx, __ATOMIC_RELEASE);
	if (write(r->kick, &one, sizeof(one)) < 0)
		abort();
}

/* Wait for the next used entry: its len, or -1 when none comes. */
int64_t wait_used(unsigned q, int ms)
{
	struct ring *r = &rings[q];
	struct fbr_vq_used_elem e;

	for (int waited = 0; waited < ms; waited += 10) {
		struct pollfd pf = { r->call, POLLIN, 0 };
		uint64_t n;

		if (__atomic_load_n(&r->used->idx, __ATOMIC_ACQUIRE) !=
		    r->used_seen) {
			e = r->used->ring[r->used_seen++ % QNUM];
			if (read(r->call, &n, sizeof(n)) < 0)
				(void)n;
			return e.len;
		}
		poll(&pf, 1, 10);
	}
	return -1;
}

/* ---- FUSE requests through the ring ---- */

/* Put a FUSE request at REQ_GPA: header then args; returns its length. */
uint32_t build(uint32_t opcode, uint64_t nodeid, const void *arg,
		      size_t arglen, const void *name, size_t namelen,
		      size_t extra)
{
	unsigned char *p = g2p(REQ_GPA);
	struct fuse_in_header h = {
		.len = (uint32_t)(sizeof(h) + arglen + namelen + extra),
		.opcode = opcode, .unique = next_unique++, .nodeid = nodeid,
	};

	memcpy(p, &h, sizeof(h));
	if (arglen)
		memcpy(p + sizeof(h), arg, arglen);
	if (namelen)
		memcpy(p + sizeof(h) + arglen, name, namelen);
	return (uint32_t)(sizeof(h) + arglen + namelen);
}

const struct fuse_out_header *out_hdr(void)
{
	return g2p(OUT_GPA);
}

/* Send a request in one readable descriptor; the reply's used length. */
int64_t simple(uint32_t len, uint32_t outlen, uint64_t itab)
{
	struct seg s[2] = { { REQ_GPA, len, false }, { OUT_GPA, outlen, true } };

	memset(g2p(OUT_GPA), 0xee, 4096);
	submit(1, s, outlen ? 2 : 1, itab);
	return wait_used(1, 5000);
}

int64_t negotiate(int64_t queues)
{
	uint64_t f = (1ull << VIRTIO_F_VERSION_1) |
		     (1ull << VIRTIO_F_RING_EVENT_IDX) |
		     (1ull << VIRTIO_F_RING_INDIRECT_DESC) |
		     (1ull << VHOST_USER_F_PROTOCOL_FEATURES);
	uint64_t pf = (1ull << VU_PROTO_MQ) | (1ull << VU_PROTO_REPLY_ACK) |
		      (1ull << VU_PROTO_CONFIGURE_MEM_SLOTS);
	int64_t got = get_u64(VU_GET_FEATURES);

	ok(got >= 0 && ((uint64_t)got & f) == f,
	   "GET_FEATURES offers VERSION_1, EVENT_IDX, INDIRECT, PROTOCOL");
	if (send_msg(VU_SET_FEATURES, 0, &f, 8, NULL, 0))
		return -1;
	got = get_u64(VU_GET_PROTOCOL_FEATURES);
	ok(got >= 0 && ((uint64_t)got & pf) == pf &&
	   !(got & (1ull << VU_PROTO_CONFIG)),
	   "protocol features: MQ, REPLY_ACK, CONFIGURE_MEM_SLOTS, no CONFIG");
	if (send_msg(VU_SET_PROTOCOL_FEATURES, 0, &pf, 8, NULL, 0))
		return -1;
	is_int(get_u64(VU_GET_QUEUE_NUM), queues, "GET_QUEUE_NUM");
	ok(get_u64(VU_GET_MAX_MEM_SLOTS) >= 8, "GET_MAX_MEM_SLOTS");
	return call(VU_SET_OWNER, NULL, 0, NULL, 0);
}

int64_t map_memory(void)
{
	struct vu_mem_table t = { .nregions = 1 };
	struct vu_mem_single s = { 0 };

	t.r[0] = (struct vu_mem_region){ R0_GPA, REGION, UVA_BASE, 0 };
	s.r = (struct vu_mem_region){ R1_GPA, REGION, UVA_BASE + R1_GPA,
				      REGION };
	if (call(VU_SET_MEM_TABLE, &t, 8 + sizeof(t.r[0]), &memfd, 1))
		return -1;
	return call(VU_ADD_MEM_REG, &s, sizeof(s), &memfd, 1);
}
