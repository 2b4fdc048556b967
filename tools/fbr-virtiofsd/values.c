/*
 * The values fbr-virtiofsd's options take, checked as they are parsed, so
 * that a bad one is a usage error before anything starts.  The long
 * options and the -o form share these.
 */
#include <grp.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "fbr-virtiofsd.h"

#define N_ELEM(x) (sizeof(x) / sizeof((x)[0]))

struct name_value {
	const char *name;
	int value;
};

int bad_value(const char *what, const char *val)
{
	usage_error("invalid %s: '%s'", what, val);
	return EXIT_USAGE;
}

/* An option of virtiofsd's that the passthrough driver cannot honour. */
int unsupported(const char *what, const char *why)
{
	usage_error("%s is not supported: %s", what, why);
	return EXIT_USAGE;
}

static int lookup(const struct name_value *t, size_t n, const char *what,
		  const char *val, int *out)
{
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(val, t[i].name)) {
			*out = t[i].value;
			return EXIT_OK;
		}
	}
	return bad_value(what, val);
}

/* "none" is the C virtiofsd's (and libvirt's) word for never. */
static const struct name_value cache_names[] = {
	{ "never", FBR_PT_CACHE_NEVER }, { "none", FBR_PT_CACHE_NEVER },
	{ "metadata", FBR_PT_CACHE_METADATA }, { "auto", FBR_PT_CACHE_AUTO },
	{ "always", FBR_PT_CACHE_ALWAYS },
};

int set_cache(struct args *a, const char *val)
{
	int v;

	if (lookup(cache_names, N_ELEM(cache_names), "cache mode", val, &v))
		return EXIT_USAGE;
	a->pt.cache = (enum fbr_pt_cache)v;
	return EXIT_OK;
}

/* "err" is the C virtiofsd's spelling; "trace" is virtiofsd's most
   detailed level, which our debug level already is. */
static const struct name_value level_names[] = {
	{ "error", FBR_LOG_ERR }, { "err", FBR_LOG_ERR },
	{ "warn", FBR_LOG_WARN }, { "info", FBR_LOG_INFO },
	{ "debug", FBR_LOG_DEBUG }, { "trace", FBR_LOG_DEBUG },
};

int set_level(struct args *a, const char *val)
{
	int v;

	if (lookup(level_names, N_ELEM(level_names), "log level", val, &v))
		return EXIT_USAGE;
	a->log_level = (enum fbr_log_level)v;
	return EXIT_OK;
}

static const struct name_value sandbox_names[] = {
	{ "namespace", SANDBOX_NAMESPACE }, { "chroot", SANDBOX_CHROOT },
	{ "none", SANDBOX_NONE },
};

int set_sandbox(struct args *a, const char *val)
{
	int v;

	if (lookup(sandbox_names, N_ELEM(sandbox_names),
		   "sandbox mode", val, &v))
		return EXIT_USAGE;
	a->sandbox = (enum sandbox_mode)v;
	return EXIT_OK;
}

static const struct name_value seccomp_names[] = {
	{ "kill", FILTER_KILL }, { "log", FILTER_LOG },
	{ "trap", FILTER_TRAP }, { "none", FILTER_NONE },
};

int set_seccomp(struct args *a, const char *val)
{
	int v;

	if (lookup(seccomp_names, N_ELEM(seccomp_names),
		   "seccomp action", val, &v))
		return EXIT_USAGE;
	a->seccomp = (enum syscall_filter)v;
	return EXIT_OK;
}

static const struct name_value handles_names[] = {
	{ "never", HANDLES_NEVER }, { "prefer", HANDLES_PREFER },
	{ "mandatory", HANDLES_MANDATORY },
};

int set_handles(struct args *a, const char *val)
{
	int v;

	if (lookup(handles_names, N_ELEM(handles_names),
		   "inode file handles mode", val, &v))
		return EXIT_USAGE;
	a->handles = (enum handles_mode)v;
	return EXIT_OK;
}

int set_uint(const char *what, const char *val, unsigned max, unsigned *out)
{
	return cli_uint(what, val, 0, max, out) ? EXIT_OK : EXIT_USAGE;
}

/* The kernel's own limit on a process's fds is well below UINT_MAX. */
int set_nofile(struct args *a, const char *val)
{
	unsigned n;
	int ret = set_uint("file descriptor limit", val, UINT_MAX, &n);

	a->rlimit_nofile = n;
	return ret;
}

int set_fd(struct args *a, const char *val)
{
	unsigned fd;
	int ret = set_uint("file descriptor", val, INT_MAX, &fd);

	a->fd = (int)fd;
	return ret;
}

/* A group name, or a number as it is. */
int set_group(struct args *a, const char *val)
{
	struct group *g = getgrnam(val);
	unsigned gid = 0;
	int ret = EXIT_OK;

	if (g)
		gid = g->gr_gid;
	else
		ret = set_uint("socket group", val, INT_MAX, &gid);
	a->socket_gid = (gid_t)gid;
	a->socket_group = true;
	return ret;
}

/* The C virtiofsd's timeout=: how long the guest may cache, seconds. */
int set_timeout(struct args *a, const char *val)
{
	double t;

	if (!cli_double("timeout", val, 0, 1e9, &t))
		return EXIT_USAGE;
	a->pt.entry_timeout = a->pt.attr_timeout = t;
	return EXIT_OK;
}
