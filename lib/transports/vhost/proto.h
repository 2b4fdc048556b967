/*
 * The vhost-user wire format, as QEMU's docs/interop/vhost-user.rst
 * describes it: message numbers, the header, payload layouts and the
 * feature bits this back-end offers.  Written for this project from the
 * specification; everything is little-endian on the hosts we run on.
 */
#ifndef FBR_TRANSPORTS_VHOST_PROTO_H
#define FBR_TRANSPORTS_VHOST_PROTO_H

#include <stdint.h>

/* Front-end requests. */
enum vu_request {
	VU_GET_FEATURES = 1,
	VU_SET_FEATURES = 2,
	VU_SET_OWNER = 3,
	VU_RESET_OWNER = 4,
	VU_SET_MEM_TABLE = 5,
	VU_SET_LOG_BASE = 6,
	VU_SET_LOG_FD = 7,
	VU_SET_VRING_NUM = 8,
	VU_SET_VRING_ADDR = 9,
	VU_SET_VRING_BASE = 10,
	VU_GET_VRING_BASE = 11,
	VU_SET_VRING_KICK = 12,
	VU_SET_VRING_CALL = 13,
	VU_SET_VRING_ERR = 14,
	VU_GET_PROTOCOL_FEATURES = 15,
	VU_SET_PROTOCOL_FEATURES = 16,
	VU_GET_QUEUE_NUM = 17,
	VU_SET_VRING_ENABLE = 18,
	VU_GET_CONFIG = 24,
	VU_SET_CONFIG = 25,
	VU_RESET_DEVICE = 34,
	VU_GET_MAX_MEM_SLOTS = 36,
	VU_ADD_MEM_REG = 37,
	VU_REM_MEM_REG = 38,
	VU_REQUEST_MAX = 64,
};

/* Header flags: version 1 in the low two bits, then reply and need_reply. */
#define VU_VERSION 0x1u
#define VU_VERSION_MASK 0x3u
#define VU_FLAG_REPLY (1u << 2)
#define VU_FLAG_NEED_REPLY (1u << 3)

struct vu_header {
	uint32_t request;
	uint32_t flags;
	uint32_t size;     /* payload bytes that follow */
};

struct vu_vring_state {
	uint32_t index;
	uint32_t num;
};

struct vu_vring_addr {
	uint32_t index;
	uint32_t flags;
	uint64_t desc;     /* front-end virtual addresses */
	uint64_t used;
	uint64_t avail;
	uint64_t log;      /* guest physical; used only with logging */
};

struct vu_mem_region {
	uint64_t guest_addr;
	uint64_t size;
	uint64_t user_addr;
	uint64_t mmap_offset;
};

#define VU_MAX_TABLE_REGIONS 8  /* regions SET_MEM_TABLE can carry */

struct vu_mem_table {
	uint32_t nregions;
	uint32_t padding;
	struct vu_mem_region r[VU_MAX_TABLE_REGIONS];
};

struct vu_mem_single {
	uint64_t padding;
	struct vu_mem_region r;
};

/* SET_VRING_KICK/CALL/ERR: a u64 with the index and "no fd follows". */
#define VU_VRING_IDX_MASK 0xffu
#define VU_VRING_NOFD (1u << 8)

/* Most fds one message may carry (SET_MEM_TABLE's eight regions). */
#define VU_MAX_FDS 8
/* The largest payload we accept; bigger ones are a broken peer. */
#define VU_MAX_PAYLOAD 4096

/* Virtio feature bits. */
#define VIRTIO_F_RING_INDIRECT_DESC 28
#define VIRTIO_F_RING_EVENT_IDX 29
#define VHOST_USER_F_PROTOCOL_FEATURES 30
#define VIRTIO_F_VERSION_1 32

/* Protocol feature bits. */
#define VU_PROTO_MQ 0
#define VU_PROTO_REPLY_ACK 3
#define VU_PROTO_CONFIG 9
#define VU_PROTO_CONFIGURE_MEM_SLOTS 15

#endif
