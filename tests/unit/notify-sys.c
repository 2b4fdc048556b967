/*
 * The system's side of test-notify: notifications built with the structs
 * and codes of <linux/fuse.h>, never with lib/abi/fuse_abi.h.
 */
#include <string.h>

#include "notify-sys.h"

#if HAVE_LINUX_FUSE_H
#include <linux/fuse.h>

/* Header, then the parts; the header's len counts everything. */
static size_t build(void *buf, int code, const void *arg, size_t argsize,
		    const void *tail, size_t tailsize)
{
	struct fuse_out_header oh = { .error = code };
	char *p = buf;

	oh.len = (uint32_t)(sizeof(oh) + argsize + tailsize);
	memcpy(p, &oh, sizeof(oh));
	memcpy(p + sizeof(oh), arg, argsize);
	if (tailsize)
		memcpy(p + sizeof(oh) + argsize, tail, tailsize);
	return oh.len;
}

size_t sys_inval_inode(void *buf, uint64_t ino, int64_t off, int64_t len)
{
	struct fuse_notify_inval_inode_out o = { .ino = ino, .off = off,
						 .len = len };

	return build(buf, FUSE_NOTIFY_INVAL_INODE, &o, sizeof(o), NULL, 0);
}

size_t sys_inval_entry(void *buf, uint64_t parent, const char *name,
		       uint32_t flags)
{
	struct fuse_notify_inval_entry_out o = {
		.parent = parent, .namelen = (uint32_t)strlen(name),
	};

	/* The field was padding before 7.38: set it through its bytes. */
	memcpy((char *)&o + sizeof(o) - sizeof(flags), &flags, sizeof(flags));
	return build(buf, FUSE_NOTIFY_INVAL_ENTRY, &o, sizeof(o), name,
		     o.namelen + 1);
}

size_t sys_delete(void *buf, uint64_t parent, uint64_t child,
		  const char *name)
{
	struct fuse_notify_delete_out o = {
		.parent = parent, .child = child,
		.namelen = (uint32_t)strlen(name),
	};

	return build(buf, FUSE_NOTIFY_DELETE, &o, sizeof(o), name,
		     o.namelen + 1);
}

size_t sys_store(void *buf, uint64_t nodeid, uint64_t off, const void *data,
		 uint32_t size)
{
	struct fuse_notify_store_out o = { .nodeid = nodeid, .offset = off,
					   .size = size };

	return build(buf, FUSE_NOTIFY_STORE, &o, sizeof(o), data, size);
}

size_t sys_retrieve(void *buf, uint64_t unique, uint64_t nodeid, uint64_t off,
		    uint32_t size)
{
	struct fuse_notify_retrieve_out o = { .notify_unique = unique,
					      .nodeid = nodeid, .offset = off,
					      .size = size };

	return build(buf, FUSE_NOTIFY_RETRIEVE, &o, sizeof(o), NULL, 0);
}

size_t sys_poll(void *buf, uint64_t kh)
{
	struct fuse_notify_poll_wakeup_out o = { .kh = kh };

	return build(buf, FUSE_NOTIFY_POLL, &o, sizeof(o), NULL, 0);
}

#else

size_t sys_inval_inode(void *buf, uint64_t ino, int64_t off, int64_t len)
{
	return 0;
}

size_t sys_inval_entry(void *buf, uint64_t parent, const char *name,
		       uint32_t flags)
{
	return 0;
}

size_t sys_delete(void *buf, uint64_t parent, uint64_t child,
		  const char *name)
{
	return 0;
}

size_t sys_store(void *buf, uint64_t nodeid, uint64_t off, const void *data,
		 uint32_t size)
{
	return 0;
}

size_t sys_retrieve(void *buf, uint64_t unique, uint64_t nodeid, uint64_t off,
		    uint32_t size)
{
	return 0;
}

size_t sys_poll(void *buf, uint64_t kh)
{
	return 0;
}

#endif
