/*
 * INIT and DESTROY: protocol negotiation and the session's life.
 *
 * The minor version is the lower of the kernel's and ours; the flags
 * granted are those the kernel offered, this server can honour, and the
 * driver wants.  Nothing else is offered.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "server/request.h"
#include "fbr/log.h"

/* Never granted: features the core does not implement. */
#define CORE_NEVER (FUSE_FILE_OPS | FUSE_SPLICE_WRITE | FUSE_SPLICE_MOVE | \
		    FUSE_SPLICE_READ | FUSE_MAP_ALIGNMENT | FUSE_INIT_RESERVED | \
		    FUSE_HAS_INODE_DAX | FUSE_HAS_RESEND | FUSE_ALLOW_IDMAP | \
		    FUSE_REQUEST_TIMEOUT | FUSE_PASSTHROUGH | FUSE_OVER_IO_URING)

/* Granted unless the driver says otherwise: the core handles them. */
#define CORE_DEFAULT (FUSE_ASYNC_READ | FUSE_BIG_WRITES | FUSE_ASYNC_DIO | \
		      FUSE_PARALLEL_DIROPS | FUSE_ABORT_ERROR | FUSE_MAX_PAGES | \
		      FUSE_SETXATTR_EXT | FUSE_INIT_EXT | FUSE_POSIX_LOCKS | \
		      FUSE_FLOCK_LOCKS | FUSE_DO_READDIRPLUS | \
		      FUSE_READDIRPLUS_AUTO | FUSE_HAS_IOCTL_DIR)

uint64_t fbr_driver_ops_lack(const struct fbr_driver_ops *ops)
{
	uint64_t m = 0;

	if (!ops->getlk || !ops->setlk)
		m |= FUSE_POSIX_LOCKS;
	if (!ops->setlk)
		m |= FUSE_FLOCK_LOCKS;
	if (!ops->readdirplus)
		m |= FUSE_DO_READDIRPLUS | FUSE_READDIRPLUS_AUTO;
	if (!ops->ioctl)
		m |= FUSE_HAS_IOCTL_DIR;
	if (!ops->setxattr || !ops->getxattr)
		m |= FUSE_POSIX_ACL;
	return m;
}

static uint64_t kernel_flags(const struct fuse_init_in *in, uint32_t minor)
{
	uint64_t f = in->flags;

	if (minor >= 36 && (f & FUSE_INIT_EXT))
		f |= (uint64_t)in->flags2 << 32;
	return f;
}

static void negotiate(struct fbr_session *s, const struct fuse_init_in *in)
{
	struct fbr_conn *c = &s->conn;
	uint64_t never = (CORE_NEVER & ~s->opts.transport_flags) |
			 fbr_driver_ops_lack(s->drv.ops);

	memset(c, 0, sizeof(*c));
	c->minor = in->minor < FUSE_KERNEL_MINOR_VERSION ?
		   in->minor : FUSE_KERNEL_MINOR_VERSION;
	c->kernel_flags = kernel_flags(in, c->minor);
	c->capable = c->kernel_flags & ~never;
	/* Passthrough means nothing unless the driver registers backing
	   files: it is the driver's to ask for. */
	c->want = c->capable & (CORE_DEFAULT |
				(s->opts.transport_flags & ~FUSE_PASSTHROUGH));
	c->max_write = s->opts.max_write;
	c->max_readahead = in->max_readahead;
	c->time_gran = 1;
}

static void fill_init_out(const struct fbr_conn *c, uint64_t flags,
			  struct fuse_init_out *out)
{
	long page = sysconf(_SC_PAGESIZE);

	memset(out, 0, sizeof(*out));
	out->major = FUSE_KERNEL_VERSION;
	out->minor = c->minor;
	out->max_readahead = c->max_readahead;
	out->flags = (uint32_t)flags;
	out->flags2 = (uint32_t)(flags >> 32);
	out->max_background = c->max_background;
	out->congestion_threshold = c->congestion_threshold;
	out->max_write = c->max_write;
	out->time_gran = c->time_gran;
	out->max_pages = (uint16_t)((c->max_write + page - 1) / page);
	if (flags & FUSE_PASSTHROUGH)
		out->max_stack_depth = c->max_stack_depth;
}

static int init_live(struct fbr_req *r, const struct fuse_init_in *in)
{
	struct fbr_session *s = r->s;
	struct fuse_init_out out;
	uint64_t granted;
	int err = 0;

	negotiate(s, in);
	if (s->drv.ops->init)
		err = s->drv.ops->init(s->drv.fs, &s->conn);
	if (err)
		return fbr_reply_err(r, err);
	granted = s->conn.want & s->conn.capable;
	if (s->conn.minor < 36 || !(s->conn.kernel_flags & FUSE_INIT_EXT))
		granted &= 0xffffffffULL & ~FUSE_INIT_EXT;
	s->conn.want = granted;
	if (s->conn.max_write > s->opts.max_write || s->conn.max_write < 4096)
		s->conn.max_write = s->opts.max_write;
	fill_init_out(&s->conn, granted, &out);
	s->parse = (struct fbr_parse_opts){
		.minor = s->conn.minor,
		.setxattr_ext = (granted & FUSE_SETXATTR_EXT) != 0,
		.external_data = s->parse.external_data,
	};
	atomic_store(&s->state, FBR_SESSION_LIVE);
	fbr_log(FBR_LOG_INFO, "dispatch",
		"INIT: kernel 7.%u, agreed 7.%u, flags 0x%llx of 0x%llx",
		in->minor, s->conn.minor, (unsigned long long)granted,
		(unsigned long long)s->conn.kernel_flags);
	return fbr_reply_ok(r, &out, sizeof(out));
}

void fbr_session_offer(struct fbr_session *s, uint64_t flags)
{
	s->opts.transport_flags |= flags;
}

int fbr_do_init(struct fbr_req *r)
{
	struct fuse_init_in in = { 0 };
	int ret;

	memcpy(&in, r->a.in, r->a.insize);
	if (in.major > FUSE_KERNEL_VERSION) {
		/* The kernel offers a newer major: name ours, it asks again. */
		struct fuse_init_out out = { .major = FUSE_KERNEL_VERSION,
					     .minor = FUSE_KERNEL_MINOR_VERSION };
		return fbr_reply_ok(r, &out, sizeof(out));
	}
	if (in.major < FUSE_KERNEL_VERSION || in.minor < FUSE_MIN_MINOR_VERSION) {
		fbr_log(FBR_LOG_ERR, "dispatch",
			"INIT: kernel protocol %u.%u is older than 7.%u",
			in.major, in.minor, FUSE_MIN_MINOR_VERSION);
		return fbr_reply_err(r, -EPROTO);
	}
	pthread_mutex_lock(&r->s->init_lock);
	if (atomic_load(&r->s->state) != FBR_SESSION_NEW)
		ret = fbr_reply_err(r, -EIO);
	else
		ret = init_live(r, &in);
	pthread_mutex_unlock(&r->s->init_lock);
	return ret;
}

int fbr_do_destroy(struct fbr_req *r)
{
	fbr_session_reset(r->s);
	return fbr_reply_err(r, 0);
}
