/*
 * Set-id bits.  Natively a write, truncate, fallocate or chown by a caller
 * without CAP_FSETID clears the setuid bit of a regular file, and its
 * setgid bit when group-execute is set or when the caller is not in the
 * file's group.  A server running as root (opts: acting for its callers)
 * clears nothing itself: it holds CAP_FSETID.  The kernel's FUSE client
 * clears by the mode alone and so keeps the setgid bit of a file without
 * group-execute; under FUSE_HANDLE_KILLPRIV_V2 it clears nothing and flags
 * the requests instead.  Either way the server applies the whole rule
 * here: on the flagged requests with KILLPRIV_V2, and when acting for its
 * callers on every write, truncate, fallocate and chown.
 *
 * FUSE carries the caller's uid, gid and pid, not its supplementary groups
 * or capabilities.  When the pid names a process of this host (a /dev/fuse
 * mount: opts.host_pids) they are read from /proc/PID/status; otherwise (a
 * guest's pid over virtio-fs) only the primary group counts and uid 0 is
 * taken for a privileged caller.
 *
 * The kernel keeps the mode it last saw: a WRITE, FALLOCATE or
 * COPY_FILE_RANGE reply carries none, and after one it refreshes size and
 * times only, so its permission checks and statx(STATX_MODE) would go on
 * seeing bits cleared here.  Those get an INVAL_INODE.
 */
#define _GNU_SOURCE 1
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "drivers/passthrough/pt.h"

#define CAP_FOWNER_BIT 3
#define CAP_FSETID_BIT 4

bool pt_kills(const struct pt_fs *fs, bool flagged)
{
	return fs->killpriv ? flagged : fs->srv.act;
}

/* What the caller holds beyond its uid and gid. */
struct caller {
	uint64_t capeff;
	char *groups;              /* the Groups: line of its status, or NULL */
};

static void caller_read(const struct pt_fs *fs, const struct fbr_ctx *c,
			struct caller *who)
{
	char path[32], *line = NULL;
	size_t cap = 0;
	FILE *f = NULL;

	*who = (struct caller){ .capeff = c->uid == 0 ? UINT64_MAX : 0 };
	if (fs->opts.host_pids && c->pid) {
		snprintf(path, sizeof(path), "/proc/%" PRIu32 "/status", c->pid);
		f = fopen(path, "re");
	}
	if (!f)
		return;
	while (getline(&line, &cap, f) > 0) {
		if (!strncmp(line, "CapEff:", 7))
			who->capeff = strtoull(line + 7, NULL, 16);
		else if (!strncmp(line, "Groups:", 7) && !who->groups)
			who->groups = strdup(line + 7);
	}
	free(line);
	fclose(f);
}

static bool capable(const struct caller *who, int bit)
{
	return (who->capeff >> bit) & 1;
}

static bool in_group(const struct fbr_ctx *c, const struct caller *who,
		     uint32_t gid)
{
	char *p, *end;

	if (c->gid == gid)
		return true;
	for (p = who->groups; p && *p; p = end) {
		unsigned long g = strtoul(p, &end, 10);

		if (end == p)
			break;
		if (g == gid)
			return true;
	}
	return false;
}

static bool in_group_or_capable(const struct fbr_ctx *c,
				const struct caller *who, uint32_t gid)
{
	return in_group(c, who, gid) || capable(who, CAP_FSETID_BIT);
}

/* The mode once Linux's rule has cleared what it clears. */
static mode_t killed_mode(const struct fbr_ctx *c, const struct caller *who,
			  const struct statx *st)
{
	mode_t mode = st->stx_mode & 07777;

	mode &= ~S_ISUID;
	if ((mode & S_ISGID) &&
	    ((mode & S_IXGRP) || !in_group_or_capable(c, who, st->stx_gid)))
		mode &= ~S_ISGID;
	return mode;
}

/* Only a regular file with a bit the rule may clear needs the caller. */
static bool may_kill(const struct statx *st)
{
	return S_ISREG(st->stx_mode) && (st->stx_mode & (S_ISUID | S_ISGID));
}

int pt_kill_suidgid(struct pt_fs *fs, const struct fbr_ctx *c, int fd,
		    bool flagged, uint64_t nodeid)
{
	struct caller who;
	struct statx st;
	mode_t mode;
	int err = pt_statx(fd, STATX_MODE, 0, &st);

	if (err || !may_kill(&st))
		return err;
	caller_read(fs, c, &who);
	if (flagged) /* the kernel found the caller without CAP_FSETID */
		who.capeff = 0;
	mode = capable(&who, CAP_FSETID_BIT) ? st.stx_mode & 07777
					      : killed_mode(c, &who, &st);
	free(who.groups);
	if (mode == (st.stx_mode & 07777))
		return 0;
	err = pt_chmod(fs, fd, mode);
	if (!err && nodeid)
		pt_attrs_changed(c, nodeid);
	return err;
}

/*
 * A chown clears bits as a chmod would, and only the owner may chmod.  But
 * chown(f, -1, -1) arrives as a SETATTR that sets nothing (any), exactly as
 * the kernel's own privilege drop before a write does: for a caller who is
 * not the owner, that is taken for the write, which is allowed, and left
 * alone (returns 1): the WRITE that follows clears the bits.
 */
int pt_chown_kill(struct pt_fs *fs, const struct fbr_ctx *c, int fd,
		  uint32_t new_gid, bool any, mode_t *mode)
{
	struct caller who;
	struct statx st;
	int err = pt_statx(fd, STATX_MODE | STATX_UID | STATX_GID, 0, &st);

	*mode = (mode_t)-1;
	if (err || !may_kill(&st))
		return err;
	caller_read(fs, c, &who);
	*mode = killed_mode(c, &who, &st);
	if (*mode == (st.stx_mode & 07777)) {
		*mode = (mode_t)-1;
	} else if (c->uid != st.stx_uid && !capable(&who, CAP_FOWNER_BIT)) {
		*mode = (mode_t)-1;
		err = any ? 1 : -EPERM;
	} else if ((*mode & S_ISGID) &&
		   !in_group_or_capable(c, &who, new_gid == (uint32_t)-1 ?
					st.stx_gid : new_gid)) {
		*mode &= ~S_ISGID;
	}
	free(who.groups);
	return err;
}
