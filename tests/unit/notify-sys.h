/*
 * Notifications as <linux/fuse.h> lays them out, for test-notify to hold
 * lib/server/notify.c's bytes against.  Each fills buf (out header, struct,
 * name or data) and returns its length, or 0 without the system header.
 */
#ifndef FBR_TESTS_NOTIFY_SYS_H
#define FBR_TESTS_NOTIFY_SYS_H

#include <stddef.h>
#include <stdint.h>

size_t sys_inval_inode(void *buf, uint64_t ino, int64_t off, int64_t len);
size_t sys_inval_entry(void *buf, uint64_t parent, const char *name,
		       uint32_t flags);
size_t sys_delete(void *buf, uint64_t parent, uint64_t child,
		  const char *name);
size_t sys_store(void *buf, uint64_t nodeid, uint64_t off, const void *data,
		 uint32_t size);
size_t sys_retrieve(void *buf, uint64_t unique, uint64_t nodeid, uint64_t off,
		    uint32_t size);
size_t sys_poll(void *buf, uint64_t kh);

#endif
