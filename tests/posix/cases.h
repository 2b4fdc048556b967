/*
 * The helpers the tables of fbr-posix share (common.c): explicit rows run
 * as every identity, the path resolution errors, and the ownership model
 * of the fixtures.
 */
#ifndef FBR_TESTS_POSIX_CASES_H
#define FBR_TESTS_POSIX_CASES_H

#include <stdbool.h>
#include <stddef.h>

#include "tests/posix/posix.h"

#define NOARG (-999999LL)

/* One row of a table: setup, arguments (NOARG: the base's), the errno per
 * identity, and the checks on success and on failure. */
struct row {
	const char *name;
	const char *setup;
	const char *a1, *a2;
	long long n1, n2;
	int want[NWHO];
	const char *ok, *fail;
};

#define ALL(e) { e, e, e, e }
#define ROOT_OWNER(e) { 0, 0, e, e }
#define ROOT_ONLY(e) { 0, e, e, e }

bool in_group(enum who w, gid_t g);
uid_t own_uid(char o);
gid_t own_gid(char o);
bool owns(enum who w, char o);
/* The permission bits w has on a fixture of mode owned per letter o. */
int perm_on(enum who w, unsigned mode, char o);
void path_errors(const char *fam, struct pcase base, bool second,
		 const char *target, int root_want);
void every(const char *fam, const struct row *r, const struct pcase *base);
void rows(const char *fam, const struct row *r, size_t n,
	  const struct pcase *base);
void open_create(const struct pcase *base);
#define ROWS(fam, table, base) \
	rows(fam, table, sizeof table / sizeof table[0], base)

#endif
