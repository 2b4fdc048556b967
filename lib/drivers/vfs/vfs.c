/*
 * The vfs driver's life and INIT.  Each backend is offered what the
 * kernel offers and says what it wants; what all want is what the mount
 * gets.  A backend must know what it got (the passthrough driver, say,
 * relies on the writeback cache once it asked for it), so when their
 * wishes differ each backend is ended and asked again, offered only what
 * all wanted, until they agree: offers only shrink, so that ends.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "drivers/vfs/vfsi.h"
#include "fbr/log.h"

static void end_all(struct vfs *v)
{
	for (unsigned i = 0; i < v->n; i++) {
		struct vfs_backend *b = &v->backends[i];

		if (b->live && b->drv.ops->destroy)
			b->drv.ops->destroy(b->drv.fs);
		b->live = false;
	}
}

/* Limits: the tightest any backend set, or for the backing stack depth
   and time granularity, the largest. */
static void merge(struct fbr_conn *out, const struct fbr_conn *c)
{
	if (c->max_write < out->max_write)
		out->max_write = c->max_write;
	if (c->max_readahead < out->max_readahead)
		out->max_readahead = c->max_readahead;
	if (c->max_background > out->max_background)
		out->max_background = c->max_background;
	if (c->congestion_threshold > out->congestion_threshold)
		out->congestion_threshold = c->congestion_threshold;
	if (c->time_gran > out->time_gran)
		out->time_gran = c->time_gran;
	if (c->max_stack_depth > out->max_stack_depth)
		out->max_stack_depth = c->max_stack_depth;
}

/* One round: every backend inits with offer; *agreed what all want. */
static int round_of(struct vfs *v, const struct fbr_conn *offer,
		    struct fbr_conn *out, uint64_t *agreed)
{
	*out = *offer;
	*agreed = v->n ? ~0ULL : offer->want;
	for (unsigned i = 0; i < v->n; i++) {
		struct vfs_backend *b = &v->backends[i];
		struct fbr_conn c = *offer;
		int err = 0;

		if (b->drv.ops->init)
			err = b->drv.ops->init(b->drv.fs, &c);
		if (err)
			return err;
		b->live = true;
		b->want = c.want & offer->capable;
		*agreed &= b->want;
		merge(out, &c);
	}
	return 0;
}

static int vfs_init(void *fs, struct fbr_conn *conn)
{
	struct vfs *v = fs;
	struct fbr_conn offer = *conn, out;
	uint64_t agreed;
	bool same;
	int err;

	for (unsigned i = 0; i < v->n; i++)
		offer.capable &= ~fbr_driver_ops_lack(v->backends[i].drv.ops);
	offer.want &= offer.capable;
	for (;;) {
		err = round_of(v, &offer, &out, &agreed);
		if (err) {
			end_all(v);
			return err;
		}
		same = true;
		for (unsigned i = 0; i < v->n; i++)
			same = same && v->backends[i].want == agreed;
		if (same)
			break;
		end_all(v);
		offer.capable &= agreed;
		offer.want &= agreed;
	}
	out.capable = conn->capable;
	out.want = agreed;
	*conn = out;
	return 0;
}

static void vfs_destroy(void *fs)
{
	end_all(fs);
}

static const struct fbr_driver_ops vfs_ops = {
	.init = vfs_init,
	.destroy = vfs_destroy,
	.lookup = vfs_lookup,
	.forget = vfs_forget,
	.getattr = vfs_getattr,
	.setattr = vfs_setattr,
	.statx = vfs_statx,
	.readlink = vfs_readlink,
	.symlink = vfs_symlink,
	.mknod = vfs_mknod,
	.mkdir = vfs_mkdir,
	.unlink = vfs_unlink,
	.rmdir = vfs_rmdir,
	.rename = vfs_rename,
	.link = vfs_link,
	.open = vfs_open,
	.create = vfs_create,
	.tmpfile = vfs_tmpfile,
	.read = vfs_read,
	.write = vfs_write,
	.flush = vfs_flush,
	.release = vfs_release,
	.fsync = vfs_fsync,
	.fallocate = vfs_fallocate,
	.lseek = vfs_lseek,
	.copy_file_range = vfs_copy_file_range,
	.ioctl = vfs_ioctl,
	.opendir = vfs_opendir,
	.readdir = vfs_readdir,
	.readdirplus = vfs_readdirplus,
	.releasedir = vfs_releasedir,
	.fsyncdir = vfs_fsyncdir,
	.statfs = vfs_statfs,
	.access = vfs_access,
	.setxattr = vfs_setxattr,
	.getxattr = vfs_getxattr,
	.listxattr = vfs_listxattr,
	.removexattr = vfs_removexattr,
	.getlk = vfs_getlk,
	.setlk = vfs_setlk,
	.syncfs = vfs_syncfs,
};

int fbr_vfs_new(struct fbr_driver *drv)
{
	struct vfs *v = calloc(1, sizeof(*v));

	if (!v || vfs_tree_init(&v->tree)) {
		free(v);
		return -ENOMEM;
	}
	vfs_inomap_init(&v->inos);
	v->uid = (uint32_t)geteuid();
	v->gid = (uint32_t)getegid();
	clock_gettime(CLOCK_REALTIME, &v->born);
	drv->ops = &vfs_ops;
	drv->fs = v;
	return 0;
}

int fbr_vfs_add(struct fbr_driver *drv, const char *path,
		const struct fbr_driver *backend)
{
	struct vfs *v = drv->fs;
	int node;

	if (v->n == FBR_VFS_MAX)
		return -E2BIG;
	node = vfs_tree_add(&v->tree, path, (int)v->n);
	if (node < 0)
		return node;
	v->backends[v->n] = (struct vfs_backend){
		.drv = *backend, .idx = v->n + 1, .node = (uint32_t)node,
	};
	v->n++;
	fbr_debug("vfs", "backend %u at %s", v->n, path);
	return 0;
}

int fbr_vfs_check(const char *const *paths, size_t n, size_t *bad)
{
	struct vfs_tree t;
	int err = vfs_tree_init(&t);

	*bad = 0;
	for (size_t i = 0; !err && i < n; i++) {
		*bad = i;
		err = i < FBR_VFS_MAX ? vfs_tree_add(&t, paths[i], (int)i)
				      : -E2BIG;
		if (err > 0)
			err = 0;
	}
	vfs_tree_fini(&t);
	return err;
}

void fbr_vfs_free(struct fbr_driver *drv)
{
	struct vfs *v = drv->fs;

	if (!v)
		return;
	vfs_tree_fini(&v->tree);
	vfs_inomap_fini(&v->inos);
	free(v);
	drv->fs = NULL;
}
