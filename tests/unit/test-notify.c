/*
 * Notifications (lib/server/notify.c): each one's bytes against what
 * <linux/fuse.h> lays out (notify-sys.c), the session's refusals (before
 * INIT, without a transport, FUSE_EXPIRE_ONLY not offered, bad arguments),
 * a RETRIEVE answered by a NOTIFY_REPLY through the dispatcher, and POLL
 * reaching the driver.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "notify-sys.h"
#include "tap.h"
#include "wire.h"

#define MAX_WRITE (1024 * 1024)

static struct fbr_memsink M;
static uint64_t uniq = 100;

/* The transport: keeps the last message, answers what it is told to. */
static struct {
	unsigned char buf[16384];
	size_t len;
	unsigned sent;
	int answer;
} X;

static int x_send(void *ctx, const struct iovec *iov, int cnt)
{
	X.len = 0;
	for (int i = 0; i < cnt; i++) {
		if (X.len + iov[i].iov_len > sizeof(X.buf))
			return -EMSGSIZE;
		memcpy(X.buf + X.len, iov[i].iov_base, iov[i].iov_len);
		X.len += iov[i].iov_len;
	}
	X.sent++;
	return X.answer;
}

static const struct fbr_notify_ops x_ops = { .send = x_send };

/* The driver: POLL only. */
static struct fuse_poll_in poll_got;

static int d_poll(void *fs, const struct fbr_ctx *c, uint64_t ino,
		  const struct fuse_poll_in *in, uint32_t *revents)
{
	poll_got = *in;
	*revents = in->events & 0x5;
	return 0;
}

static const struct fbr_driver_ops d_ops = { .poll = d_poll };
static const struct fbr_driver drv = { .ops = &d_ops };

static struct fbr_session *new_session(void)
{
	struct fbr_session_opts o = { .max_write = MAX_WRITE };

	return fbr_session_new(&drv, &o);
}

static void init(struct fbr_session *s, uint32_t minor, uint32_t flags2)
{
	struct fuse_init_in in = { .major = 7, .minor = minor,
				   .flags = (uint32_t)FUSE_INIT_EXT,
				   .flags2 = flags2 };
	struct wire w;

	w_start(&w, FUSE_INIT, ++uniq, 0);
	w_add(&w, &in, sizeof(in));
	w_end(&w);
	w_send(s, &w, &M);
}

static void destroy(struct fbr_session *s)
{
	struct wire w;

	w_start(&w, FUSE_DESTROY, ++uniq, 0);
	w_end(&w);
	w_send(s, &w, &M);
}

/* The last message sent must be exactly want (wantlen 0: no system header). */
static void sent_as(const void *want, size_t wantlen, const char *what)
{
	if (!wantlen) {
		skip("no <linux/fuse.h>", "%s", what);
		return;
	}
	is_bytes(X.buf, X.len, want, wantlen, "%s as <linux/fuse.h> has it", what);
}

static void test_refusals(void)
{
	struct fbr_session *s = new_session();

	is_int(fbr_notify_inval_inode(s, 5, -1, 0), -ENOSYS,
	       "no transport for notifications: ENOSYS");
	fbr_session_set_notify(s, &x_ops, NULL);
	is_int(fbr_notify_inval_inode(s, 5, -1, 0), -ENOTCONN,
	       "before INIT: ENOTCONN");
	init(s, 45, 0);
	ok(fbr_session_state(s) == FBR_SESSION_LIVE, "INIT answered");
	is_int(fbr_notify_inval_inode(s, 5, -1, 0), 0, "live: sent");
	is_int(fbr_notify_inval_entry(s, 1, "a", FUSE_EXPIRE_ONLY), -ENOSYS,
	       "EXPIRE_ONLY the kernel did not offer: ENOSYS");
	is_int(fbr_notify_inval_entry(s, 1, "a", 2), -EINVAL,
	       "an unknown INVAL_ENTRY flag: EINVAL");
	char name[FUSE_NAME_MAX + 2];
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	is_int(fbr_notify_delete(s, 1, 2, name), -ENAMETOOLONG,
	       "a name longer than FUSE_NAME_MAX: ENAMETOOLONG");
	struct iovec many[17] = { 0 };
	is_int(fbr_notify_store(s, 5, 0, many, 17), -EINVAL,
	       "STORE of more than 16 pieces: EINVAL");
	X.answer = -ENOENT;
	is_int(fbr_notify_poll(s, 7), -ENOENT, "the kernel's error comes back");
	X.answer = 0;
	destroy(s);
	is_int(fbr_notify_poll(s, 7), -ENOTCONN, "after DESTROY: ENOTCONN");
	fbr_session_set_notify(s, NULL, NULL);
	is_int(fbr_notify_poll(s, 7), -ENOSYS, "transport gone: ENOSYS");
	fbr_session_free(s);

	s = new_session();
	fbr_session_set_notify(s, &x_ops, NULL);
	init(s, 37, (uint32_t)(FUSE_HAS_EXPIRE_ONLY >> 32));
	is_int(fbr_notify_inval_entry(s, 1, "a", FUSE_EXPIRE_ONLY), -ENOSYS,
	       "EXPIRE_ONLY at 7.37: ENOSYS");
	fbr_session_free(s);
}

static void test_encoding(void)
{
	struct fbr_session *s = new_session();
	unsigned char want[16384];
	char data[5000];
	struct iovec two[2] = { { data, 1000 }, { data + 1000, 4000 } };

	fbr_session_set_notify(s, &x_ops, NULL);
	init(s, 45, (uint32_t)(FUSE_HAS_EXPIRE_ONLY >> 32));
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (char)(i * 7);

	fbr_notify_inval_inode(s, 0x1122334455667788ULL, -1, 0);
	sent_as(want, sys_inval_inode(want, 0x1122334455667788ULL, -1, 0),
		"INVAL_INODE of attributes");
	fbr_notify_inval_inode(s, 9, 4096, 8192);
	sent_as(want, sys_inval_inode(want, 9, 4096, 8192),
		"INVAL_INODE of a range");
	fbr_notify_inval_entry(s, 1, "name", 0);
	sent_as(want, sys_inval_entry(want, 1, "name", 0), "INVAL_ENTRY");
	is_int(fbr_notify_inval_entry(s, 3, "x", FUSE_EXPIRE_ONLY), 0,
	       "EXPIRE_ONLY offered: sent");
	sent_as(want, sys_inval_entry(want, 3, "x", 1), "INVAL_ENTRY expire only");
	fbr_notify_delete(s, 1, 42, "gone");
	sent_as(want, sys_delete(want, 1, 42, "gone"), "DELETE");
	fbr_notify_store(s, 42, 8192, two, 2);
	sent_as(want, sys_store(want, 42, 8192, data, 5000),
		"STORE of two pieces");
	fbr_notify_store(s, 42, 0, NULL, 0);
	sent_as(want, sys_store(want, 42, 0, NULL, 0), "STORE of nothing");
	fbr_notify_poll(s, 0xabcdef);
	sent_as(want, sys_poll(want, 0xabcdef), "POLL");
	fbr_session_free(s);
}

struct got {
	unsigned calls;
	int err;
	uint64_t off;
	char data[64];
	size_t size;
};

static void on_retrieve(void *arg, int err, uint64_t off, const void *data,
			size_t size)
{
	struct got *g = arg;

	g->calls++;
	g->err = err;
	g->off = off;
	g->size = size;
	if (size && size <= sizeof(g->data))
		memcpy(g->data, data, size);
}

static uint64_t sent_unique(void)
{
	struct fuse_notify_retrieve_out o;

	memcpy(&o, X.buf + sizeof(struct fuse_out_header), sizeof(o));
	return o.notify_unique;
}

static void notify_reply(struct fbr_session *s, uint64_t unique,
			 uint64_t off, const char *data)
{
	struct fuse_notify_retrieve_in in = { .offset = off,
					      .size = (uint32_t)strlen(data) };
	struct wire w;

	w_start(&w, FUSE_NOTIFY_REPLY, unique, 42);
	w_add(&w, &in, sizeof(in));
	w_add(&w, data, in.size);
	w_end(&w);
	w_send(s, &w, &M);
}

static void test_retrieve(void)
{
	struct fbr_session *s = new_session();
	struct got g = { 0 }, g2 = { 0 }, g3 = { 0 };
	unsigned char want[256];
	uint64_t u;

	fbr_session_set_notify(s, &x_ops, NULL);
	init(s, 45, 0);
	is_int(fbr_notify_retrieve(s, 42, 4096, 3, on_retrieve, &g), 0,
	       "RETRIEVE sent");
	u = sent_unique();
	ok(u != 0, "with a notify_unique");
	sent_as(want, sys_retrieve(want, u, 42, 4096, 3), "RETRIEVE");
	ok(g.calls == 0, "no answer yet");
	notify_reply(s, u, 4096, "xyz");
	ok(g.calls == 1 && g.err == 0 && g.off == 4096 && g.size == 3 &&
	   !memcmp(g.data, "xyz", 3), "NOTIFY_REPLY delivers the data");
	is_int(M.reply_len, 0, "and gets no reply");
	notify_reply(s, u, 4096, "abc");
	ok(g.calls == 1, "a second NOTIFY_REPLY for it is ignored");

	fbr_notify_retrieve(s, 42, 0, 8, on_retrieve, &g2);
	notify_reply(s, sent_unique() + 1000, 0, "zz");
	ok(g2.calls == 0, "a NOTIFY_REPLY of another unique leaves it");
	notify_reply(s, sent_unique(), 0, "");
	ok(g2.calls == 1 && g2.err == 0 && g2.size == 0,
	   "nothing cached: an empty answer");

	X.answer = -ENOENT;
	is_int(fbr_notify_retrieve(s, 43, 0, 8, on_retrieve, &g3), -ENOENT,
	       "RETRIEVE the kernel refuses: its error");
	X.answer = 0;
	struct got g4 = { 0 };
	fbr_notify_retrieve(s, 44, 0, 8, on_retrieve, &g4);
	destroy(s);
	ok(g4.calls == 1 && g4.err == -ENOTCONN,
	   "DESTROY fails the RETRIEVE still waiting");
	ok(g3.calls == 0, "the refused one is never called");
	fbr_session_free(s);
}

static void test_poll(void)
{
	struct fbr_session *s = new_session();
	struct fuse_poll_in in = { .fh = 0x77, .kh = 0x1234,
				   .flags = FUSE_POLL_SCHEDULE_NOTIFY,
				   .events = 0xff };
	struct fuse_poll_out out = { .revents = 0x5 };
	struct wire w, want;

	init(s, 45, 0);
	w_start(&w, FUSE_POLL, ++uniq, 42);
	w_add(&w, &in, sizeof(in));
	w_end(&w);
	w_reply(&want, 0, uniq);
	w_add(&want, &out, sizeof(out));
	w_end(&want);
	w_send(s, &w, &M);
	is_bytes(M.reply, M.reply_len, want.b, want.len,
		 "POLL answered with the driver's revents");
	ok(poll_got.fh == 0x77 && poll_got.kh == 0x1234 &&
	   poll_got.flags == FUSE_POLL_SCHEDULE_NOTIFY && poll_got.events == 0xff,
	   "the driver got fh, kh, flags and events");
	fbr_session_free(s);
}

int main(void)
{
	fbr_memsink_init(&M, MAX_WRITE);
	test_refusals();
	test_encoding();
	test_retrieve();
	test_poll();
	fbr_memsink_release(&M);
	return done_testing();
}
