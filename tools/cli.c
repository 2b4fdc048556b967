/*
 * The shared command-line conventions of the fbr tools.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "cli.h"

static const char *prog = "fbr";
static bool to_syslog;
static enum fbr_log_level log_max = FBR_LOG_WARN;

void cli_init(const char *name)
{
	prog = name;
}

static void vmsg(int priority, const char *fmt, va_list ap)
{
	if (to_syslog) {
		vsyslog(priority, fmt, ap);
		return;
	}
	fflush(stdout); /* what was printed comes before the error */
	fprintf(stderr, "%s: ", prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void errmsg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(LOG_ERR, fmt, ap);
	va_end(ap);
}

void usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(LOG_ERR, fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s --help' for more information.\n", prog);
}

/* getopt's own messages would name argv[0], a path: say it ourselves. */
int cli_bad_option(int c, char **argv)
{
	const char *arg = argv[optind - 1];

	if (c == ':')
		usage_error("option '%s' requires an argument", arg);
	else if (optopt)
		usage_error("invalid option -- '%c'", optopt);
	else
		usage_error("unrecognized option '%s'", arg);
	return CLI_EXIT_USAGE;
}

static int priority(enum fbr_log_level level)
{
	switch (level) {
	case FBR_LOG_ERR:
		return LOG_ERR;
	case FBR_LOG_WARN:
		return LOG_WARNING;
	case FBR_LOG_INFO:
		return LOG_INFO;
	default:
		return LOG_DEBUG;
	}
}

static void handler(enum fbr_log_level level, const char *subsys,
		    const char *msg)
{
	if (level > log_max)
		return;
	if (to_syslog)
		syslog(priority(level), "%s: %s", subsys, msg);
	else
		fprintf(stderr, "%s: %s: %s\n", prog, subsys, msg);
}

void cli_log_init(enum fbr_log_level max, const char *debug)
{
	log_max = max;
	if (debug)
		fbr_log_set_debug(debug);
	fbr_log_set_handler(handler);
}

void cli_syslog(void)
{
	openlog(prog, LOG_PID, LOG_DAEMON);
	to_syslog = true;
}

bool cli_is_syslog(void)
{
	return to_syslog;
}

bool cli_abs_path(const char *path, char **out)
{
	char cwd[PATH_MAX];

	free(*out);
	if (path[0] == '/' || !getcwd(cwd, sizeof(cwd)))
		*out = strdup(path);
	else if (asprintf(out, "%s/%s", cwd, path) < 0)
		*out = NULL;
	if (!*out)
		errmsg("out of memory");
	return *out != NULL;
}

static bool bad_value(const char *what, const char *val)
{
	usage_error("invalid %s: '%s'", what, val);
	return false;
}

bool cli_uint(const char *what, const char *val, unsigned min, unsigned max,
	      unsigned *out)
{
	unsigned long n;
	char *end;

	errno = 0;
	n = strtoul(val, &end, 10);
	if (errno || end == val || *end || *val == '-' || n < min || n > max)
		return bad_value(what, val);
	*out = (unsigned)n;
	return true;
}

bool cli_double(const char *what, const char *val, double min, double max,
		double *out)
{
	char *end;
	double t;

	errno = 0;
	t = strtod(val, &end);
	if (errno || end == val || *end || !(t >= min && t <= max))
		return bad_value(what, val);
	*out = t;
	return true;
}

int cli_opt_list(struct cli_lists *l, const char *list,
		 int (*set)(void *arg, char *opt), void *arg, int ok, int oom)
{
	char **copies = realloc(l->copies, (l->n + 1) * sizeof(*copies));
	char *copy = strdup(list), *save = NULL;
	int ret = ok;

	if (copies)
		l->copies = copies;
	if (!copies || !copy) {
		free(copy);
		errmsg("out of memory");
		return oom;
	}
	l->copies[l->n++] = copy;
	for (char *o = strtok_r(copy, ",", &save); o && ret == ok;
	     o = strtok_r(NULL, ",", &save))
		ret = set(arg, o);
	return ret;
}

void cli_lists_free(struct cli_lists *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->copies[i]);
	free(l->copies);
	*l = (struct cli_lists){ 0 };
}
