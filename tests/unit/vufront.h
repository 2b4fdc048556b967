/*
 * A fake vhost-user front-end for the unit tests (vufront.c): guest
 * memory, the vhost-user messages, split rings, and FUSE requests put in
 * guest memory and offered on request queue 1.
 */
#ifndef FBR_TESTS_VUFRONT_H
#define FBR_TESTS_VUFRONT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fbr/fuse_abi.h"
#include "transports/vhost/proto.h"
#include "transports/virtqueue/virtqueue.h"

/* Guest memory: two regions of one memfd, apart in guest space. */
#define MEM_SIZE (4u << 20)
#define R0_GPA 0x0ull
#define R1_GPA 0x10000000ull
#define REGION (2u << 20)
#define UVA_BASE 0x7f0000000000ull
#define QNUM 16
#define NQ 3          /* hiprio and two request queues */

#define REQ_GPA 0x100000ull         /* request bytes are built here */
#define OUT_GPA (R1_GPA + 0x100000) /* replies land here (region 1) */

struct ring {
	struct fbr_vq_desc *desc;
	struct fbr_vq_avail *avail;
	struct fbr_vq_used *used;
	uint64_t gpa;       /* of desc; avail and used follow */
	uint16_t avail_idx, used_seen;
	int kick, call;
};

struct seg {
	uint64_t gpa;
	uint32_t len;
	bool write;
};

extern unsigned char *mem;  /* our mapping of the whole memfd */
extern int memfd;
extern int sock;            /* our end of the vhost-user socket */
extern uint64_t next_unique;
extern struct ring rings[NQ];

int guest_memory(void);
/* Guest address to our pointer (both regions are 2 MiB of the memfd). */
void *g2p(uint64_t gpa);

/* The socket: a message, a reply, a message acked (0 for success). */
int send_msg(uint32_t req, uint32_t flags, const void *p, uint32_t size,
	     const int *fds, int nfds);
int64_t recv_reply(uint32_t req, void *p, size_t size);
int64_t call(uint32_t req, const void *p, uint32_t size, const int *fds,
	     int nfds);
int64_t get_u64(uint32_t req);
int64_t call_state(uint32_t req, uint32_t idx, uint32_t num);
int64_t call_fd(uint32_t req, uint32_t idx, int fd);
/* Features, protocol features, the queue count asked for, SET_OWNER. */
int64_t negotiate(int64_t queues);
int64_t map_memory(void);

/* The rings. */
void ring_layout(unsigned q);
int64_t setup_queue(unsigned q);
void submit(unsigned q, const struct seg *s, int n, uint64_t itab);
int64_t wait_used(unsigned q, int ms);

/* A FUSE request at REQ_GPA (extra: bytes the header counts beyond). */
uint32_t build(uint32_t opcode, uint64_t nodeid, const void *arg,
	       size_t arglen, const void *name, size_t namelen, size_t extra);
const struct fuse_out_header *out_hdr(void);
/* The request in one readable descriptor, the reply in one writable of
   outlen at OUT_GPA, on queue 1; the used length, or -1 after 5 s. */
int64_t simple(uint32_t len, uint32_t outlen, uint64_t itab);

#endif
