/*
 * The log switchboard: one handler, a list of debug subsystems.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "fbr/log.h"

static fbr_log_fn handler;
static char debug_list[256];

void fbr_log_set_handler(fbr_log_fn fn)
{
	handler = fn;
}

void fbr_log_set_debug(const char *subsystems)
{
	snprintf(debug_list, sizeof(debug_list), ",%s,",
		 subsystems ? subsystems : "");
}

static bool debug_on(const char *subsys)
{
	char key[64];

	if (!debug_list[0] || !strcmp(debug_list, ",,"))
		return false;
	if (strstr(debug_list, ",all,"))
		return true;
	snprintf(key, sizeof(key), ",%s,", subsys);
	return strstr(debug_list, key) != NULL;
}

bool fbr_log_enabled(enum fbr_log_level level, const char *subsys)
{
	if (!handler)
		return false;
	return level != FBR_LOG_DEBUG || debug_on(subsys);
}

void fbr_log(enum fbr_log_level level, const char *subsys, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (!fbr_log_enabled(level, subsys))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	handler(level, subsys, msg);
}
