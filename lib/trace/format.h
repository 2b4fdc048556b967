/*
 * The fbr trace file format, version 1.0 (man/fbr-trace.5 describes it for
 * users).  A file is a header followed by records; every field is
 * little-endian and fixed-width, every record starts on an 8-byte
 * boundary.  Readers skip header bytes and record types they do not know,
 * so files written by newer minor versions stay readable; a new major
 * version is an incompatible format.
 */
#ifndef FBR_TRACE_FORMAT_H
#define FBR_TRACE_FORMAT_H

#include <stdint.h>

#define FBR_TRACE_MAGIC "FBRTRACE"
#define FBR_TRACE_MAJOR 1
#define FBR_TRACE_MINOR 0

enum fbr_trace_transport {
	FBR_TRACE_FUSEDEV = 1,   /* /dev/fuse: bytes exactly as read and written */
	FBR_TRACE_VIRTIO = 2,    /* virtio-fs: as the dispatcher copied them */
	FBR_TRACE_RELAY = 3,     /* fbr-trace record: between kernel and server */
	FBR_TRACE_KERNEL = 4,    /* kernel tracepoints: no payload */
};

enum fbr_trace_clock {
	FBR_TRACE_MONOTONIC = 1, /* CLOCK_MONOTONIC */
};

struct fbr_trace_file_header {
	char magic[8];           /* "FBRTRACE" */
	uint16_t major;
	uint16_t minor;
	uint32_t header_len;     /* this header's size; records start there */
	uint32_t transport;      /* enum fbr_trace_transport */
	uint32_t clock;          /* enum fbr_trace_clock */
	uint64_t start_realtime; /* CLOCK_REALTIME at the start, ns */
	uint64_t start_clock;    /* the record clock at the same moment, ns */
	uint32_t snaplen;        /* payload bytes kept per message; 0: all */
	uint32_t reserved;
	char tool[32];           /* who wrote it, "fbr-mount 0.1.0", NUL-padded */
};

enum fbr_trace_type {
	FBR_REC_REQUEST = 1,     /* kernel (or guest) to server */
	FBR_REC_REPLY = 2,       /* server to kernel, answering a request */
	FBR_REC_NOTIFY = 3,      /* server to kernel, unasked (unique 0) */
};

enum fbr_trace_rec_flags {
	FBR_REC_TRUNCATED = 1 << 0, /* caplen < origlen: cut to the snap length */
};

struct fbr_trace_record {
	uint32_t rec_len;        /* this record's size with its padding */
	uint16_t type;           /* enum fbr_trace_type */
	uint16_t flags;          /* enum fbr_trace_rec_flags */
	uint64_t ts;             /* the record clock, ns */
	uint32_t thread;         /* worker thread or queue */
	uint32_t caplen;         /* message bytes that follow */
	uint32_t origlen;        /* the message's whole length */
	uint32_t reserved;
	/* caplen bytes of message, then zeros up to rec_len */
};

_Static_assert(sizeof(struct fbr_trace_file_header) == 80, "trace header");
_Static_assert(sizeof(struct fbr_trace_record) == 32, "trace record");

/* The largest record a reader accepts: a 1 MiB WRITE and its headers. */
#define FBR_TRACE_MAX_RECORD ((1u << 20) + 4096 + sizeof(struct fbr_trace_record))

#endif
