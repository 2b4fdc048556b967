/*
 * The opcode table: one row per FUSE opcode saying what it is called, how
 * its arguments are laid out and whether it gets a reply.  The dispatcher,
 * the argument checker and the trace decoder are all driven by it.
 */
#ifndef FBR_PROTOCOL_OPCODE_H
#define FBR_PROTOCOL_OPCODE_H

#include <stdint.h>

/* What follows the fixed argument struct and the names. */
enum fbr_tail {
	FBR_TAIL_NONE,  /* nothing */
	FBR_TAIL_SIZED, /* exactly as many bytes as the u32 at tail_field says */
	FBR_TAIL_ARRAY, /* u32 count at tail_field, of tail_elem-byte items */
};

enum fbr_op_flags {
	FBR_OP_NOREPLY = 1 << 0, /* the kernel expects no reply */
	FBR_OP_CREATES = 1 << 1, /* may carry request extensions (7.38) */
};

struct fbr_opdesc {
	const char *name;   /* "LOOKUP" */
	uint16_t insize;    /* size of the fixed argument struct */
	uint8_t nnames;     /* NUL-terminated strings after it */
	uint8_t tail;       /* enum fbr_tail */
	uint8_t tail_field; /* offset of the tail's u32 size or count */
	uint8_t tail_elem;  /* size of one array item */
	uint8_t flags;      /* enum fbr_op_flags */
	uint8_t since;      /* first protocol minor with this opcode */
};

/* The row for opcode, or NULL for an opcode outside the table. */
const struct fbr_opdesc *fbr_opdesc(uint32_t opcode);

/* The opcode's name, or NULL. */
const char *fbr_opcode_name(uint32_t opcode);

#endif
