/*
 * fbr-trace's messages: on stderr, each starting with the tool's name.
 */
#include <stdarg.h>
#include <stdio.h>

#include "fbr-trace.h"

static void vmsg(const char *fmt, va_list ap)
{
	fflush(stdout); /* what was decoded comes before the error */
	fputs("fbr-trace: ", stderr);
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
	fputs("Try 'fbr-trace --help' for more information.\n", stderr);
}
