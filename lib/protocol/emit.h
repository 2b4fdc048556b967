/*
 * Field-by-field output of decoded protocol messages, as text
 * ("name=value, ...") or as JSON ("\"name\": value, ..."), into a growing
 * buffer.  The describers in describe.c write through these calls only,
 * so one description serves fbr-trace's text and JSON output, debug logs
 * and fbr-replay's reports alike.  The flat form, one "path=value" line a
 * field ("attr.size=6", "entries[2].name=\"a\""), is what fbr-replay
 * compares messages by, field by field.
 */
#ifndef FBR_PROTOCOL_EMIT_H
#define FBR_PROTOCOL_EMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FBR_EMIT_FLAT_DEPTH 8   /* objects nested deeper share a path */

struct fbr_emit {
	char *p;
	size_t len, cap;
	bool json;
	bool oom;          /* an allocation failed: output is cut short */
	unsigned depth;    /* open objects */
	bool first;        /* no field yet at this depth */
	bool flat;         /* "path=value" lines */
	char path[128];    /* flat: the open objects' names, "entries[2]" */
	uint8_t pathlen[FBR_EMIT_FLAT_DEPTH + 1]; /* path's length at each depth */
	uint32_t item[FBR_EMIT_FLAT_DEPTH + 1];   /* next list index there */
};

struct fbr_flagname {
	uint64_t bit;
	const char *name;
};

void fbr_emit_init(struct fbr_emit *e, bool json);
/* The flat form: each field on a line of its own, named by its path. */
void fbr_emit_init_flat(struct fbr_emit *e);
void fbr_emit_release(struct fbr_emit *e);
void fbr_emit_reset(struct fbr_emit *e);

/* Raw text, no separator or quoting. */
void fbr_emit_raw(struct fbr_emit *e, const char *s, size_t n);
void fbr_emit_rawf(struct fbr_emit *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Just the separator and the name, for a value written raw after it. */
void fbr_emit_key(struct fbr_emit *e, const char *name);

void fbr_emit_u64(struct fbr_emit *e, const char *name, uint64_t v);
void fbr_emit_i64(struct fbr_emit *e, const char *name, int64_t v);
void fbr_emit_hex(struct fbr_emit *e, const char *name, uint64_t v);
void fbr_emit_oct(struct fbr_emit *e, const char *name, uint64_t v);
/* A string of n bytes (stops at a NUL), quoted and escaped. */
void fbr_emit_str(struct fbr_emit *e, const char *name, const char *s, size_t n);
/* Bit flags by name, "A|B|0x40"; in JSON, a string of the same. */
void fbr_emit_flags(struct fbr_emit *e, const char *name, uint64_t v,
		    const struct fbr_flagname *names);
/* The same after a leading symbol: "O_WRONLY|O_TRUNC". */
void fbr_emit_flags_after(struct fbr_emit *e, const char *name,
			  const char *lead, uint64_t v,
			  const struct fbr_flagname *names);
/* A value that has a symbolic name (an errno, a whence): bare in text. */
void fbr_emit_sym(struct fbr_emit *e, const char *name, const char *sym);
/* A file mode, "S_IFREG|0644". */
void fbr_emit_mode(struct fbr_emit *e, const char *name, uint32_t mode);
/* Seconds and nanoseconds as "1700000000.000000123". */
void fbr_emit_time(struct fbr_emit *e, const char *name, uint64_t sec,
		   uint32_t nsec);
/* Objects and lists; inside a list, items are emitted with name NULL. */
void fbr_emit_begin(struct fbr_emit *e, const char *name);
void fbr_emit_end(struct fbr_emit *e);
void fbr_emit_list_begin(struct fbr_emit *e, const char *name);
void fbr_emit_list_end(struct fbr_emit *e);

#endif
