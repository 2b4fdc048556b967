/*
 * fbr-posix [-v] DIR [FAMILY...]: run the POSIX cases of the given
 * families (all by default; -l lists them) in DIR, as root, printing one
 * line per assertion: "CASE: WHAT OBSERVED", followed by "  [expected
 * NATIVE]" when the observation is not what Linux gives natively (with -v,
 * by "  (expected NATIVE)" when it is).  A subdirectory DIR/xdev on another filesystem, when present,
 * adds the EXDEV cases.  Exit status 0 when every line matched the native
 * Linux expectation, 1 when some did not, 2 when the suite itself failed.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/posix/posix.h"

extern int cases_run, lines_run, lines_failed;
extern bool verbose;
int protected_hardlinks = 1;
const char *xdev_dir;

static const struct {
	const char *name;
	void (*run)(void);
} families[] = {
	{ "chmod", fam_chmod }, { "chown", fam_chown },
	{ "link", fam_link }, { "mkdir", fam_mkdir },
	{ "mkfifo", fam_mkfifo }, { "mknod", fam_mknod },
	{ "open", fam_open }, { "rename", fam_rename },
	{ "rmdir", fam_rmdir }, { "symlink", fam_symlink },
	{ "truncate", fam_truncate }, { "ftruncate", fam_ftruncate },
	{ "unlink", fam_unlink }, { "utimensat", fam_utimensat },
	{ "posix_fallocate", fam_fallocate },
};
#define NFAM (sizeof families / sizeof families[0])

static void read_sysctl(void)
{
	FILE *f = fopen("/proc/sys/fs/protected_hardlinks", "r");

	if (f) {
		if (fscanf(f, "%d", &protected_hardlinks) != 1)
			protected_hardlinks = 1;
		fclose(f);
	}
}

static int run_family(const char *name)
{
	for (size_t i = 0; i < NFAM; i++)
		if (!strcmp(families[i].name, name)) {
			families[i].run();
			return 0;
		}
	fprintf(stderr, "fbr-posix: no family '%s'\n", name);
	return -1;
}

int main(int argc, char **argv)
{
	struct stat st;

	if (argc > 1 && !strcmp(argv[1], "-v")) {
		verbose = true;
		argv++;
		argc--;
	}
	if (argc == 2 && !strcmp(argv[1], "-l")) {
		for (size_t i = 0; i < NFAM; i++)
			puts(families[i].name);
		return 0;
	}
	if (argc < 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: fbr-posix [-v] DIR [FAMILY...] | -l\n");
		return 2;
	}
	if (geteuid() != 0 || chdir(argv[1]) != 0) {
		fprintf(stderr, "fbr-posix: needs root and a directory\n");
		return 2;
	}
	read_sysctl();
	if (lstat("xdev", &st) == 0 && S_ISDIR(st.st_mode))
		xdev_dir = "xdev";
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 2; i < argc; i++)
		if (run_family(argv[i]) != 0)
			return 2;
	for (size_t i = 0; argc == 2 && i < NFAM; i++)
		families[i].run();
	fprintf(stderr, "fbr-posix: %d cases, %d assertions, %d unexpected\n",
		cases_run, lines_run, lines_failed);
	return lines_failed ? 1 : 0;
}
