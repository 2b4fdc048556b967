/*
 * Mount options shared by the tools that mount: see mountopts.h.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "cli.h"
#include "mountopts.h"

#define N_ELEM(x) (sizeof(x) / sizeof((x)[0]))

/* Generic mount flags, by mount(8)'s names. */
static const struct {
	const char *name;
	unsigned long set, clear;
} flag_opts[] = {
	{ "ro", MS_RDONLY, 0 },             { "rw", 0, MS_RDONLY },
	{ "nosuid", MS_NOSUID, 0 },         { "suid", 0, MS_NOSUID },
	{ "nodev", MS_NODEV, 0 },           { "dev", 0, MS_NODEV },
	{ "noexec", MS_NOEXEC, 0 },         { "exec", 0, MS_NOEXEC },
	{ "sync", MS_SYNCHRONOUS, 0 },      { "async", 0, MS_SYNCHRONOUS },
	{ "dirsync", MS_DIRSYNC, 0 },
	{ "noatime", MS_NOATIME, 0 },       { "atime", 0, MS_NOATIME },
	{ "nodiratime", MS_NODIRATIME, 0 }, { "diratime", 0, MS_NODIRATIME },
	{ "relatime", MS_RELATIME, 0 },     { "norelatime", 0, MS_RELATIME },
	{ "strictatime", MS_STRICTATIME, 0 },
	{ "lazytime", MS_LAZYTIME, 0 },     { "nolazytime", 0, MS_LAZYTIME },
};

/* Options for mount(8) and fstab, not for the filesystem. */
static const char *const ignored_opts[] = {
	"defaults", "auto", "noauto", "user", "nouser", "users", "owner",
	"group", "_netdev", "nofail", "loud", "silent",
};

static bool set_flag(struct fbr_mount_opts *m, const char *opt)
{
	for (size_t i = 0; i < N_ELEM(flag_opts); i++) {
		if (!strcmp(opt, flag_opts[i].name)) {
			m->flags |= flag_opts[i].set;
			m->flags &= ~flag_opts[i].clear;
			return true;
		}
	}
	return false;
}

static bool ignored(const char *opt)
{
	for (size_t i = 0; i < N_ELEM(ignored_opts); i++)
		if (!strcmp(opt, ignored_opts[i]))
			return true;
	return !strncmp(opt, "x-", 2) || !strncmp(opt, "comment=", 8);
}

static bool *switch_field(struct fbr_mount_opts *m, const char *opt)
{
	if (!strcmp(opt, "allow_other"))
		return &m->allow_other;
	if (!strcmp(opt, "default_permissions"))
		return &m->default_permissions;
	if (!strcmp(opt, "auto_unmount"))
		return &m->auto_unmount;
	return NULL;
}

static int set_max_read(struct fbr_mount_opts *m, const char *val)
{
	unsigned long n;
	char *end;

	errno = 0;
	n = strtoul(val, &end, 10);
	if (errno || end == val || *end || n < 1 || n > UINT_MAX ||
	    *val == '-') {
		usage_error("invalid max_read: '%s'", val);
		return -1;
	}
	m->max_read = (uint32_t)n;
	return 1;
}

int mountopt_set(struct fbr_mount_opts *m, const char *opt)
{
	bool *sw = switch_field(m, opt);

	if (sw)
		*sw = true;
	if (sw || set_flag(m, opt) || ignored(opt))
		return 1;
	if (!strncmp(opt, "fsname=", 7))
		m->fsname = opt + 7;
	else if (!strncmp(opt, "subtype=", 8))
		m->subtype = opt + 8;
	else if (!strncmp(opt, "max_read=", 9))
		return set_max_read(m, opt + 9);
	else
		return 0;
	return 1;
}
