/*
 * The C virtiofsd's "-o source=DIR,cache=MODE,..." form, which libvirt
 * and older launchers use.  libvirt writes a comma in the source path as
 * two, as QEMU's own option syntax does, so ",," is a comma here too.
 */
#include <stddef.h>
#include <string.h>

#include "fbr-virtiofsd.h"

#define N_ELEM(x) (sizeof(x) / sizeof((x)[0]))

/* Items without a value that set a bool of struct args. */
static const struct {
	const char *name;
	size_t off;
	bool value;
} flags[] = {
	{ "xattr", offsetof(struct args, pt.xattr), true },
	{ "no_xattr", offsetof(struct args, pt.xattr), false },
	{ "writeback", offsetof(struct args, pt.writeback), true },
	{ "no_writeback", offsetof(struct args, pt.writeback), false },
	{ "readonly", offsetof(struct args, pt.readonly), true },
	{ "killpriv_v2", offsetof(struct args, pt.killpriv_v2), true },
	{ "no_killpriv_v2", offsetof(struct args, pt.killpriv_v2), false },
	{ "flock", offsetof(struct args, no_flock), false },
	{ "no_flock", offsetof(struct args, no_flock), true },
	{ "posix_lock", offsetof(struct args, no_posix_lock), false },
	{ "no_posix_lock", offsetof(struct args, no_posix_lock), true },
	{ "allow_direct_io", offsetof(struct args, allow_direct_io), true },
	{ "no_allow_direct_io", offsetof(struct args, allow_direct_io), false },
	{ "announce_submounts", offsetof(struct args, announce_submounts), true },
};

static int set_flag(struct args *a, const char *o)
{
	for (size_t i = 0; i < N_ELEM(flags); i++) {
		if (!strcmp(o, flags[i].name)) {
			*(bool *)((char *)a + flags[i].off) = flags[i].value;
			return EXIT_OK;
		}
	}
	if (!strcmp(o, "debug")) {
		a->log_level = FBR_LOG_DEBUG;
		return EXIT_OK;
	}
	if (!strcmp(o, "no_posix_acl"))
		return EXIT_OK; /* what we do anyway */
	if (!strcmp(o, "posix_acl"))
		return unsupported("-o posix_acl", "the passthrough driver "
				   "does not offer FUSE_POSIX_ACL");
	return bad_value("option", o);
}

/* One item with a value: name=val. */
static int set_valued(struct args *a, const char *o, char *val)
{
	if (!strcmp(o, "source")) {
		a->pt.source = val;
		return EXIT_OK;
	}
	if (!strcmp(o, "cache"))
		return set_cache(a, val);
	if (!strcmp(o, "log_level"))
		return set_level(a, val);
	if (!strcmp(o, "sandbox"))
		return set_sandbox(a, val);
	if (!strcmp(o, "modcaps"))
		return parse_modcaps(a, val);
	if (!strcmp(o, "timeout"))
		return set_timeout(a, val);
	if (!strcmp(o, "xattrmap"))
		return unsupported("-o xattrmap", "the passthrough driver "
				   "serves extended attributes under their "
				   "own names");
	return bad_value("option", o);
}

/* The next item of *p, ",," read as ",", or NULL at the end. */
static char *next_item(char **p)
{
	char *item = *p, *r, *w;

	if (!item)
		return NULL;
	for (r = w = item; *r; r++) {
		if (*r == ',' && r[1] != ',')
			break;
		if (*r == ',')
			r++; /* the first of two */
		*w++ = *r;
	}
	*p = *r ? r + 1 : NULL;
	*w = '\0';
	return item;
}

/* Items point into argv, which lives as long as the process. */
int parse_compat(struct args *a, char *list)
{
	char *o, *val;
	int ret = EXIT_OK;

	while (ret == EXIT_OK && (o = next_item(&list))) {
		if (!*o)
			continue;
		val = strchr(o, '=');
		if (val)
			*val++ = '\0';
		ret = val ? set_valued(a, o, val) : set_flag(a, o);
	}
	return ret;
}
