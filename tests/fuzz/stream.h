/*
 * A fuzz input as a stream of FUSE requests, shared by the targets that
 * feed a session: the first byte chooses whether INIT comes first (so
 * short inputs reach every handler), and each request after is as long
 * as its own header says, cut to what is left.
 */
#ifndef FBR_TESTS_FUZZ_STREAM_H
#define FBR_TESTS_FUZZ_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "transports/memory.h"

/* Dispatch data to s, replies into m; skip(p, len) true leaves a request
   out (NULL: none is). */
void fuzz_stream(struct fbr_session *s, struct fbr_memsink *m,
		 const uint8_t *data, size_t size,
		 bool (*skip)(const uint8_t *p, uint32_t len));

#endif
