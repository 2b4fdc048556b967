/*
 * libFuzzer target: arbitrary bytes as a stream of FUSE requests to the
 * dispatcher over the passthrough driver serving a scratch directory,
 * which holds a file, a directory and symlinks pointing out of it.  Next
 * to it, outside, sits a directory with one file; after every input it
 * must be exactly as it was: nothing the requests do may reach it.  The
 * served tree is put back after each input.
 *
 * Requests that would do harm beyond the test are dropped before the
 * dispatcher sees them: device nodes (as root they would be real ones),
 * SETLKW (a wait for a lock nobody releases), and FALLOCATE of more than
 * a MiB (disk space).
 */
#define _GNU_SOURCE 1
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fbr/passthrough.h"
#include "stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char base[] = "/tmp/fbr-fuzz-pt-XXXXXX";
static bool ready;
static char src[64], outside[64], sentinel[80];

static int rm(const char *path, const struct stat *st, int type,
	      struct FTW *ftw)
{
	(void)st;
	(void)type;
	return ftw->level ? remove(path) : 0; /* keep src itself */
}

static void put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f))
		abort();
}

/* The served tree, as each input finds it. */
static void seed_tree(void)
{
	char p[128];

	nftw(src, rm, 16, FTW_DEPTH | FTW_PHYS);
	chmod(src, 0755);
	snprintf(p, sizeof(p), "%s/file", src);
	put_file(p, "inside\n");
	snprintf(p, sizeof(p), "%s/dir", src);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/out", src);
	if (symlink(outside, p))
		abort();
	snprintf(p, sizeof(p), "%s/up", src);
	if (symlink("..", p))
		abort();
}

static void setup_once(void)
{
	if (!mkdtemp(base))
		abort();
	snprintf(src, sizeof(src), "%s/src", base);
	snprintf(outside, sizeof(outside), "%s/outside", base);
	snprintf(sentinel, sizeof(sentinel), "%s/outside/secret", base);
	if (mkdir(src, 0755) || mkdir(outside, 0755))
		abort();
	put_file(sentinel, "untouched\n");
}

/* outside holds exactly its one file, unchanged; base holds src and it. */
static void check_outside(void)
{
	char buf[32] = { 0 };
	int fd = open(sentinel, O_RDONLY | O_NOFOLLOW);
	struct stat st;

	if (fd < 0 || read(fd, buf, sizeof(buf) - 1) < 0 || strcmp(buf, "untouched\n"))
		abort();
	close(fd);
	if (lstat(sentinel, &st) || st.st_nlink != 1 || (st.st_mode & 07777) != 0644)
		abort();
	if (lstat(outside, &st) || st.st_nlink != 2 || (st.st_mode & 07777) != 0755)
		abort();
	if (lstat(base, &st) || st.st_nlink != 4)
		abort();
}

static bool harmful(const uint8_t *p, uint32_t len)
{
	struct fuse_in_header h;
	size_t a = sizeof(h);

	memcpy(&h, p, sizeof(h));
	if (h.opcode == FUSE_SETLKW)
		return true;
	if (h.opcode == FUSE_MKNOD && len >= a + sizeof(struct fuse_mknod_in)) {
		struct fuse_mknod_in m;

		memcpy(&m, p + a, sizeof(m));
		return S_ISCHR(m.mode) || S_ISBLK(m.mode);
	}
	if (h.opcode == FUSE_FALLOCATE &&
	    len >= a + sizeof(struct fuse_fallocate_in)) {
		struct fuse_fallocate_in f;

		memcpy(&f, p + a, sizeof(f));
		return f.length > (1u << 20) || f.offset > (64u << 20);
	}
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fbr_session_opts so = { .max_write = 1 << 20 };
	struct fbr_pt_opts po = { .cache = FBR_PT_CACHE_AUTO,
				  .entry_timeout = -1, .attr_timeout = -1,
				  .xattr = true };
	struct fbr_driver drv;
	struct fbr_session *s;
	struct fbr_memsink m;

	if (!ready) {
		setup_once();
		ready = true;
	}
	if (size < 1)
		return 0;
	seed_tree();
	po.source = src;
	if (fbr_passthrough_new(&po, &drv) ||
	    !(s = fbr_session_new(&drv, &so)) || fbr_memsink_init(&m, 1 << 20))
		abort();
	fuzz_stream(s, &m, data, size, harmful);
	fbr_memsink_release(&m);
	fbr_session_free(s);
	fbr_passthrough_free(&drv);
	check_outside();
	return 0;
}
