/*
 * A small TAP producer for the C unit tests: ok(), is_bytes(), skip_all().
 */
#ifndef FBR_TESTS_TAP_H
#define FBR_TESTS_TAP_H

#include <stdbool.h>
#include <stddef.h>

bool ok(bool cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Compare byte strings; on a difference, print both in hex as diagnostics. */
bool is_bytes(const void *got, size_t gotlen, const void *want, size_t wantlen,
	      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
bool is_int(long long got, long long want, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void skip(const char *why, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print the plan (1..N) and return the exit status. */
int done_testing(void);
/* Skip the whole file: prints "1..0 # SKIP why" and exits 0. */
void skip_all(const char *why) __attribute__((noreturn));

#endif
