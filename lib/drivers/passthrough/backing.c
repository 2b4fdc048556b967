/*
 * FUSE passthrough: the kernel reads, writes and maps an open file's
 * backing file itself, without a round trip to us.
 *
 * The kernel wants one backing file per inode (opens of an inode that name
 * different ones are refused), so the backing id lives in the inode and
 * counts the open handles using it; the last RELEASE closes it.  What is
 * registered is the first open's own fd, whatever its mode: the kernel
 * opens a backing file of its own for each FUSE open, from the registered
 * file's path and with that open's flags (a later writer writes even when
 * a reader registered it).
 *
 * When the kernel refuses a backing file (no privilege, a source stacked
 * too deep), that open goes through the server as usual, and the refusal
 * is logged once.
 *
 * A set-id file starts no passthrough: a write through the backing file
 * runs with the server's credentials, which keep the set-id bits, where
 * the server clears them by the caller's (killpriv.c).
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "drivers/passthrough/pt.h"
#include "fbr/log.h"

/* The kernel's limit on stacking is 2; ours at 1 leaves room above us. */
#define STACK_DEPTH 1

void pt_backing_init(struct pt_fs *fs, struct fbr_conn *conn)
{
	enum fbr_log_level level = FBR_LOG_INFO;
	const char *why = NULL;

	fs->passthrough = false;
	if (!fs->opts.passthrough)
		return;
	if (!(conn->kernel_flags & FUSE_PASSTHROUGH)) {
		why = "this kernel does not offer it";
		level = FBR_LOG_WARN;
	} else if (!(conn->capable & FUSE_PASSTHROUGH)) {
		why = "the transport cannot register backing files (not root)";
	} else if (fs->opts.writeback) {
		why = "the writeback cache excludes it";
	} else if (fs->opts.cache == FBR_PT_CACHE_NEVER) {
		why = "cache=never sends every read to the server";
	}
	if (why) {
		fbr_log(level, "passthrough", "no FUSE passthrough: %s", why);
		return;
	}
	conn->want |= FUSE_PASSTHROUGH;
	conn->max_stack_depth = STACK_DEPTH;
	fs->passthrough = true;
}

/* Whether the file has a set-id bit; mode is its mode, or 0: look. */
static bool set_id(int fd, uint32_t mode)
{
	struct statx st;

	if (!mode && pt_statx(fd, STATX_MODE, 0, &st) == 0)
		mode = st.stx_mode;
	return !mode || (mode & (S_ISUID | S_ISGID));
}

/* Under backing_lock: register in's backing file.  The id, or 0. */
static int register_file(struct pt_fs *fs, const struct fbr_ctx *c,
			 struct pt_inode *in, int fd, uint32_t mode)
{
	int id;

	if (set_id(fd, mode))
		return 0;
	id = fbr_req_backing_open(c->req, fd);
	if (id > 0) {
		in->backing_id = id;
		in->backing_users = 1;
		return id;
	}
	if (!fs->backing_said) {
		fs->backing_said = true;
		fbr_log(FBR_LOG_WARN, "passthrough",
			"the kernel refused a backing file (%s): such opens go "
			"through the server", strerror(-id));
	}
	return 0;
}

int pt_backing_get(struct pt_fs *fs, const struct fbr_ctx *c,
		   struct pt_inode *in, int fd, uint32_t mode)
{
	int id;

	if (!fs->passthrough)
		return 0;
	pthread_mutex_lock(&fs->backing_lock);
	if (in->backing_id > 0) {
		in->backing_users++;
		id = in->backing_id;
	} else {
		id = register_file(fs, c, in, fd, mode);
	}
	pthread_mutex_unlock(&fs->backing_lock);
	return id;
}

void pt_backing_put(struct pt_fs *fs, const struct fbr_ctx *c,
		    struct pt_inode *in)
{
	pthread_mutex_lock(&fs->backing_lock);
	if (in->backing_users && !--in->backing_users) {
		fbr_req_backing_close(c->req, in->backing_id);
		in->backing_id = 0;
	}
	pthread_mutex_unlock(&fs->backing_lock);
}
