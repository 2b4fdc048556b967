/*
 * What every fbr tool does the same way on its command line: messages as
 * "fbr-x: what failed: why" on stderr (or to syslog once a daemon has left
 * its terminal), the "Try 'fbr-x --help'" hint after a usage error,
 * getopt's errors in our own words, and the handler that prints the
 * library's log messages.
 */
#ifndef FBR_TOOLS_CLI_H
#define FBR_TOOLS_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "fbr/log.h"

#define CLI_EXIT_USAGE 2

/* Name the tool; call first. */
void cli_init(const char *name);

void errmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* errmsg() and the --help hint. */
void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* After getopt_long returned '?' or ':' (with ":" leading its optstring):
 * say what was wrong; returns CLI_EXIT_USAGE. */
int cli_bad_option(int c, char **argv);

/*
 * Print library messages up to max; debug is the list of subsystems
 * whose debug messages to show ("all"), or NULL.
 */
void cli_log_init(enum fbr_log_level max, const char *debug);
/* From now on, messages go to syslog (a daemon without a terminal). */
void cli_syslog(void);
bool cli_is_syslog(void);

/* path made absolute against the current directory, in *out (freed
 * first); false when out of memory, said so. */
bool cli_abs_path(const char *path, char **out);

/*
 * Option values: a whole or a real number val from min to max, in *out;
 * otherwise false, said as the usage error "invalid WHAT: 'VAL'".
 */
bool cli_uint(const char *what, const char *val, unsigned min, unsigned max,
	      unsigned *out);
bool cli_double(const char *what, const char *val, double min, double max,
		double *out);

/* The -o lists a tool has taken: its option values point into them. */
struct cli_lists {
	char **copies;
	size_t n;
};

/*
 * Hand each comma-separated option of list, in a copy kept in l, to
 * set(arg, option) in order while it returns ok.  Returns ok, what set
 * returned otherwise, or oom when out of memory (said).
 */
int cli_opt_list(struct cli_lists *l, const char *list,
		 int (*set)(void *arg, char *opt), void *arg, int ok, int oom);
void cli_lists_free(struct cli_lists *l);

#endif
