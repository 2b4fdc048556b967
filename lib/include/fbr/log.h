/*
 * Logging for library code, which never prints by itself: messages go to a
 * handler the tool installs.  Debug messages are off until a tool turns on
 * the subsystems it wants ("dispatch,passthrough" or "all"), at run time.
 */
#ifndef FBR_LOG_H
#define FBR_LOG_H

#include <stdbool.h>

enum fbr_log_level { FBR_LOG_ERR, FBR_LOG_WARN, FBR_LOG_INFO, FBR_LOG_DEBUG };

typedef void (*fbr_log_fn)(enum fbr_log_level level, const char *subsys,
			   const char *msg);

void fbr_log_set_handler(fbr_log_fn fn);
/* Enable debug output for a comma-separated list of subsystems, or "all". */
void fbr_log_set_debug(const char *subsystems);
bool fbr_log_enabled(enum fbr_log_level level, const char *subsys);
void fbr_log(enum fbr_log_level level, const char *subsys, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define fbr_debug(subsys, ...) \
	do { \
		if (fbr_log_enabled(FBR_LOG_DEBUG, subsys)) \
			fbr_log(FBR_LOG_DEBUG, subsys, __VA_ARGS__); \
	} while (0)

#endif
