/*
 * Notifications, server to kernel: an out header with unique 0 and the
 * notification's code in its error field, then the code's struct and its
 * name or data.  This file encodes them, checks that the session can carry
 * them, and matches the kernel's NOTIFY_REPLY to the RETRIEVE that asked
 * for it; the transport sends them.  Every code sent here dates from 7.18
 * or before and INIT refuses anything older than 7.27, so the agreed minor
 * only matters for FUSE_EXPIRE_ONLY.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "server/request.h"
#include "fbr/log.h"

#define MAX_DATA_IOV 16

struct fbr_retrieve {
	struct fbr_retrieve *next;
	uint64_t unique;
	fbr_retrieve_fn fn;
	void *arg;
};

void fbr_notify_init(struct fbr_session *s)
{
	pthread_rwlock_init(&s->notify_lock, NULL);
	pthread_mutex_init(&s->retrieve_lock, NULL);
}

void fbr_notify_fini(struct fbr_session *s)
{
	fbr_notify_fail_retrieves(s);
	pthread_rwlock_destroy(&s->notify_lock);
	pthread_mutex_destroy(&s->retrieve_lock);
}

void fbr_session_set_notify(struct fbr_session *s,
			    const struct fbr_notify_ops *ops, void *ctx)
{
	pthread_rwlock_wrlock(&s->notify_lock);
	s->notify = ops;
	s->notify_ctx = ctx;
	pthread_rwlock_unlock(&s->notify_lock);
}

struct fbr_session *fbr_req_session(const struct fbr_req *r)
{
	return r->s;
}

/* iov[0] is the out header's; the parts follow in iov[1..cnt-1]. */
static int send_parts(struct fbr_session *s, int code, struct iovec *iov,
		      int cnt)
{
	struct fuse_out_header oh = { .error = code };
	size_t len = sizeof(oh);
	int err;

	for (int i = 1; i < cnt; i++)
		len += iov[i].iov_len;
	if (len > UINT32_MAX)
		return -EINVAL;
	oh.len = (uint32_t)len;
	iov[0] = (struct iovec){ &oh, sizeof(oh) };
	pthread_rwlock_rdlock(&s->notify_lock);
	if (!s->notify)
		err = -ENOSYS;
	else if (atomic_load(&s->state) != FBR_SESSION_LIVE)
		err = -ENOTCONN;
	else
		err = s->notify->send(s->notify_ctx, iov, cnt);
	pthread_rwlock_unlock(&s->notify_lock);
	return err;
}

int fbr_notify_inval_inode(struct fbr_session *s, uint64_t ino, int64_t off,
			   int64_t len)
{
	struct fuse_notify_inval_inode_out out = { .ino = ino, .off = off,
						   .len = len };
	struct iovec iov[2] = { [1] = { &out, sizeof(out) } };

	return send_parts(s, FUSE_NOTIFY_INVAL_INODE, iov, 2);
}

/* The name goes with its NUL, which the kernel checks for. */
static int name_len(const char *name, uint32_t *len)
{
	size_t n = strlen(name);

	if (n > FUSE_NAME_MAX)
		return -ENAMETOOLONG;
	*len = (uint32_t)n;
	return 0;
}

int fbr_notify_inval_entry(struct fbr_session *s, uint64_t parent,
			   const char *name, uint32_t flags)
{
	struct fuse_notify_inval_entry_out out = { .parent = parent,
						   .flags = flags };
	struct iovec iov[3] = { [1] = { &out, sizeof(out) } };
	int err = name_len(name, &out.namelen);

	if (err)
		return err;
	if (flags & ~FUSE_EXPIRE_ONLY)
		return -EINVAL;
	/* Read once live; before INIT, send_parts says -ENOTCONN. */
	if (flags && atomic_load(&s->state) == FBR_SESSION_LIVE &&
	    (s->conn.minor < 38 || !(s->conn.kernel_flags & FUSE_HAS_EXPIRE_ONLY)))
		return -ENOSYS;
	iov[2] = (struct iovec){ (void *)name, out.namelen + 1 };
	return send_parts(s, FUSE_NOTIFY_INVAL_ENTRY, iov, 3);
}

int fbr_notify_delete(struct fbr_session *s, uint64_t parent, uint64_t child,
		      const char *name)
{
	struct fuse_notify_delete_out out = { .parent = parent, .child = child };
	struct iovec iov[3] = { [1] = { &out, sizeof(out) } };
	int err = name_len(name, &out.namelen);

	if (err)
		return err;
	iov[2] = (struct iovec){ (void *)name, out.namelen + 1 };
	return send_parts(s, FUSE_NOTIFY_DELETE, iov, 3);
}

int fbr_notify_store(struct fbr_session *s, uint64_t ino, uint64_t off,
		     const struct iovec *data, int cnt)
{
	struct fuse_notify_store_out out = { .nodeid = ino, .offset = off };
	struct iovec iov[2 + MAX_DATA_IOV] = { [1] = { &out, sizeof(out) } };
	size_t size = 0;

	if (cnt < 0 || cnt > MAX_DATA_IOV)
		return -EINVAL;
	for (int i = 0; i < cnt; i++) {
		iov[2 + i] = data[i];
		size += data[i].iov_len;
	}
	if (size > UINT32_MAX - sizeof(out) - sizeof(struct fuse_out_header))
		return -EINVAL;
	out.size = (uint32_t)size;
	return send_parts(s, FUSE_NOTIFY_STORE, iov, 2 + cnt);
}

static struct fbr_retrieve *retrieve_take(struct fbr_session *s,
					  uint64_t unique)
{
	struct fbr_retrieve **pp, *p = NULL;

	pthread_mutex_lock(&s->retrieve_lock);
	for (pp = &s->retrieves; *pp; pp = &(*pp)->next) {
		if ((*pp)->unique == unique) {
			p = *pp;
			*pp = p->next;
			break;
		}
	}
	pthread_mutex_unlock(&s->retrieve_lock);
	return p;
}

/* Listed before the send: the answer may be dispatched before it returns. */
int fbr_notify_retrieve(struct fbr_session *s, uint64_t ino, uint64_t off,
			uint32_t size, fbr_retrieve_fn fn, void *arg)
{
	struct fuse_notify_retrieve_out out = { .nodeid = ino, .offset = off,
						.size = size };
	struct iovec iov[2] = { [1] = { &out, sizeof(out) } };
	struct fbr_retrieve *p = malloc(sizeof(*p));
	int err;

	if (!p)
		return -ENOMEM;
	*p = (struct fbr_retrieve){ .fn = fn, .arg = arg };
	pthread_mutex_lock(&s->retrieve_lock);
	p->unique = out.notify_unique = ++s->retrieve_next;
	p->next = s->retrieves;
	s->retrieves = p;
	pthread_mutex_unlock(&s->retrieve_lock);
	err = send_parts(s, FUSE_NOTIFY_RETRIEVE, iov, 2);
	if (err)
		free(retrieve_take(s, out.notify_unique));
	return err;
}

int fbr_notify_poll(struct fbr_session *s, uint64_t kh)
{
	struct fuse_notify_poll_wakeup_out out = { .kh = kh };
	struct iovec iov[2] = { [1] = { &out, sizeof(out) } };

	return send_parts(s, FUSE_NOTIFY_POLL, iov, 2);
}

/* The session ended: no answer will come to those still waiting. */
void fbr_notify_fail_retrieves(struct fbr_session *s)
{
	struct fbr_retrieve *p, *next;

	pthread_mutex_lock(&s->retrieve_lock);
	p = s->retrieves;
	s->retrieves = NULL;
	pthread_mutex_unlock(&s->retrieve_lock);
	for (; p; p = next) {
		next = p->next;
		p->fn(p->arg, -ENOTCONN, 0, NULL, 0);
		free(p);
	}
}

/* The kernel's answer to a RETRIEVE: its unique is our notify_unique. */
int fbr_do_notify_reply(struct fbr_req *r)
{
	const struct fuse_notify_retrieve_in *in =
		FBR_IN(r, struct fuse_notify_retrieve_in);
	struct fbr_retrieve *p = retrieve_take(r->s, r->h->unique);

	if (!p) {
		fbr_debug("dispatch", "NOTIFY_REPLY %llu answers no RETRIEVE",
			  (unsigned long long)r->h->unique);
		return 0;
	}
	p->fn(p->arg, 0, in->offset, r->a.tail, r->a.taillen);
	free(p);
	return 0;
}
