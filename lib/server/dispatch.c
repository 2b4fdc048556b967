/*
 * The dispatcher: checks a request against the opcode table and the
 * session state, fills the caller's context, and runs the opcode's handler.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "protocol/opcode.h"
#include "server/request.h"
#include "fbr/log.h"

static int do_enosys(struct fbr_req *r)
{
	return fbr_reply_err(r, -ENOSYS);
}

static const fbr_handler handlers[FUSE_OPCODE_MAX + 1] = {
	[FUSE_LOOKUP] = fbr_do_lookup,
	[FUSE_FORGET] = fbr_do_forget,
	[FUSE_GETATTR] = fbr_do_getattr,
	[FUSE_SETATTR] = fbr_do_setattr,
	[FUSE_READLINK] = fbr_do_readlink,
	[FUSE_SYMLINK] = fbr_do_symlink,
	[FUSE_MKNOD] = fbr_do_mknod,
	[FUSE_MKDIR] = fbr_do_mkdir,
	[FUSE_UNLINK] = fbr_do_unlink,
	[FUSE_RMDIR] = fbr_do_rmdir,
	[FUSE_RENAME] = fbr_do_rename,
	[FUSE_LINK] = fbr_do_link,
	[FUSE_OPEN] = fbr_do_open,
	[FUSE_READ] = fbr_do_read,
	[FUSE_WRITE] = fbr_do_write,
	[FUSE_STATFS] = fbr_do_statfs,
	[FUSE_RELEASE] = fbr_do_release,
	[FUSE_FSYNC] = fbr_do_fsync,
	[FUSE_SETXATTR] = fbr_do_setxattr,
	[FUSE_GETXATTR] = fbr_do_getxattr,
	[FUSE_LISTXATTR] = fbr_do_listxattr,
	[FUSE_REMOVEXATTR] = fbr_do_removexattr,
	[FUSE_FLUSH] = fbr_do_flush,
	[FUSE_INIT] = fbr_do_init,
	[FUSE_OPENDIR] = fbr_do_opendir,
	[FUSE_READDIR] = fbr_do_readdir,
	[FUSE_RELEASEDIR] = fbr_do_releasedir,
	[FUSE_FSYNCDIR] = fbr_do_fsyncdir,
	[FUSE_GETLK] = fbr_do_getlk,
	[FUSE_SETLK] = fbr_do_setlk,
	[FUSE_SETLKW] = fbr_do_setlk,
	[FUSE_ACCESS] = fbr_do_access,
	[FUSE_CREATE] = fbr_do_create,
	[FUSE_INTERRUPT] = fbr_do_interrupt,
	[FUSE_BMAP] = do_enosys,
	[FUSE_DESTROY] = fbr_do_destroy,
	[FUSE_IOCTL] = fbr_do_ioctl,
	[FUSE_POLL] = fbr_do_poll,
	[FUSE_NOTIFY_REPLY] = fbr_do_notify_reply,
	[FUSE_BATCH_FORGET] = fbr_do_batch_forget,
	[FUSE_FALLOCATE] = fbr_do_fallocate,
	[FUSE_READDIRPLUS] = fbr_do_readdir,
	[FUSE_RENAME2] = fbr_do_rename2,
	[FUSE_LSEEK] = fbr_do_lseek,
	[FUSE_COPY_FILE_RANGE] = fbr_do_copy_file_range,
	[FUSE_SETUPMAPPING] = do_enosys,
	[FUSE_REMOVEMAPPING] = do_enosys,
	[FUSE_SYNCFS] = fbr_do_syncfs,
	[FUSE_TMPFILE] = fbr_do_tmpfile,
	[FUSE_STATX] = fbr_do_statx,
	[FUSE_COPY_FILE_RANGE_64] = fbr_do_copy_file_range,
};

struct fbr_session *fbr_session_new(const struct fbr_driver *drv,
				    const struct fbr_session_opts *opts)
{
	struct fbr_session *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->drv = *drv;
	s->opts = *opts;
	pthread_mutex_init(&s->init_lock, NULL);
	for (int i = 0; i < FBR_INFLIGHT_SHARDS; i++)
		pthread_mutex_init(&s->inflight[i].lock, NULL);
	fbr_notify_init(s);
	s->parse.external_data = opts->data_apart;
	atomic_init(&s->state, FBR_SESSION_NEW);
	return s;
}

void fbr_session_free(struct fbr_session *s)
{
	if (!s)
		return;
	fbr_session_reset(s);
	fbr_notify_fini(s);
	pthread_mutex_destroy(&s->init_lock);
	for (int i = 0; i < FBR_INFLIGHT_SHARDS; i++)
		pthread_mutex_destroy(&s->inflight[i].lock);
	free(s);
}

enum fbr_session_state fbr_session_state(const struct fbr_session *s)
{
	return atomic_load(&s->state);
}

const struct fbr_conn *fbr_session_conn(const struct fbr_session *s)
{
	return &s->conn;
}

void fbr_session_reset(struct fbr_session *s)
{
	pthread_mutex_lock(&s->init_lock);
	if (atomic_load(&s->state) == FBR_SESSION_LIVE) {
		if (s->drv.ops->destroy)
			s->drv.ops->destroy(s->drv.fs);
		atomic_store(&s->state, FBR_SESSION_NEW);
		s->parse.minor = 0;
		s->parse.setxattr_ext = false;
	}
	pthread_mutex_unlock(&s->init_lock);
	fbr_notify_fail_retrieves(s);
}

/* Requests that create take their umask (and 7.38's extra group) along. */
static void fill_ctx(struct fbr_req *r)
{
	const struct fuse_in_header *h = r->h;
	uint32_t gid;

	r->ctx = (struct fbr_ctx){ .uid = h->uid, .gid = h->gid, .pid = h->pid,
				   .req = r };
	switch (h->opcode) {
	case FUSE_MKNOD:
		r->ctx.umask = FBR_IN(r, struct fuse_mknod_in)->umask;
		break;
	case FUSE_MKDIR:
		r->ctx.umask = FBR_IN(r, struct fuse_mkdir_in)->umask;
		break;
	case FUSE_CREATE:
	case FUSE_TMPFILE:
		r->ctx.umask = FBR_IN(r, struct fuse_create_in)->umask;
		break;
	}
	if (r->a.ext && fbr_args_supp_group(&r->a, &gid) == 0) {
		r->ctx.nsupp = 1;
		r->ctx.supp_gid = gid;
	}
}

static bool wants_reply(uint32_t opcode)
{
	const struct fbr_opdesc *d = fbr_opdesc(opcode);

	return !d || !(d->flags & FBR_OP_NOREPLY);
}

/* Header and session checks; returns the errno to answer, or 0 to go on. */
static int admit(struct fbr_req *r, size_t len)
{
	int state = atomic_load(&r->s->state);
	int err;

	err = fbr_args_parse(r->m->buf, len, &r->s->parse, &r->a);
	if (err == -ENOSYS)
		return err;
	if (err) {
		fbr_log(FBR_LOG_WARN, "dispatch",
			"malformed %s request (unique %llu, %zu bytes)",
			fbr_opcode_name(r->h->opcode) ?: "unknown",
			(unsigned long long)r->h->unique, len);
		return err;
	}
	if (r->h->opcode == FUSE_INIT)
		return state == FBR_SESSION_NEW ? 0 : -EIO;
	if (state != FBR_SESSION_LIVE)
		return -EIO;
	if (r->m->data && r->h->opcode != FUSE_WRITE)
		return -EINVAL;
	return 0;
}

int fbr_dispatch(struct fbr_session *s, const struct fbr_msg *m,
		 struct fbr_sink *sink)
{
	struct fbr_req r = { .s = s, .sink = sink, .m = m, .h = m->buf };
	int err;

	if (m->len < sizeof(struct fuse_in_header)) {
		fbr_log(FBR_LOG_WARN, "dispatch", "short request: %zu bytes",
			m->len);
		return 0; /* no unique to answer to */
	}
	err = admit(&r, m->len);
	fbr_debug("dispatch", "%s unique %llu nodeid %llu len %u%s",
		  fbr_opcode_name(r.h->opcode) ?: "?",
		  (unsigned long long)r.h->unique,
		  (unsigned long long)r.h->nodeid, r.h->len,
		  err ? " (refused)" : "");
	if (err)
		return wants_reply(r.h->opcode) ? fbr_reply_err(&r, err) : 0;
	fill_ctx(&r);
	if (!wants_reply(r.h->opcode))
		return handlers[r.h->opcode](&r);
	fbr_inflight_add(&r);
	err = handlers[r.h->opcode](&r);
	fbr_inflight_del(&r);
	return err;
}
