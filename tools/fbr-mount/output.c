/*
 * Where fbr-mount's messages go: stderr while someone watches, syslog once
 * the daemon has left its terminal.  Library messages arrive through the
 * log handler installed here; info messages only show with debugging on.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>

#include "fbr-mount.h"
#include "util/log.h"

static bool to_syslog;
static bool verbose;

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
	if (level == FBR_LOG_INFO && !verbose)
		return;
	if (to_syslog)
		syslog(priority(level), "%s: %s", subsys, msg);
	else
		fprintf(stderr, "fbr-mount: %s: %s\n", subsys, msg);
}

void out_init(bool debug)
{
	const char *env = getenv("FBR_DEBUG");

	if (debug)
		fbr_log_set_debug("all");
	else if (env)
		fbr_log_set_debug(env);
	verbose = debug || (env && *env);
	fbr_log_set_handler(handler);
}

void out_syslog(void)
{
	openlog("fbr-mount", LOG_PID, LOG_DAEMON);
	to_syslog = true;
}

bool out_is_syslog(void)
{
	return to_syslog;
}

static void vmsg(const char *fmt, va_list ap)
{
	if (to_syslog) {
		vsyslog(LOG_ERR, fmt, ap);
		return;
	}
	fputs("fbr-mount: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void errmsg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
}

void usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmsg(fmt, ap);
	va_end(ap);
	fputs("Try 'fbr-mount --help' for more information.\n", stderr);
}
