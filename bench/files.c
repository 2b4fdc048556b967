/*
 * fbr-bench-files: the metadata and small-file workload of fbr's benchmark.
 * On N files in DIR it times five phases and prints one line per phase,
 * "phase ops_per_second":
 *   create  create and write 4 KiB to each file
 *   stat    stat each file
 *   readdir list the directory (ops: entries seen)
 *   read    open and read 4 KiB of each file
 *   unlink  remove each file
 * It is a plain program making the system calls, so the figures measure
 * the filesystem under DIR, not the benchmark.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char buf[4096];

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *name)
{
	fprintf(stderr, "fbr-bench-files: %s '%s': %s\n", what, name,
		strerror(errno));
	exit(1);
}

static void name_of(char *name, int i)
{
	snprintf(name, 32, "f%06d", i);
}

static void phase(const char *label, int dfd, int n,
		  void (*op)(int dfd, const char *name))
{
	char name[32];
	double t = now();

	for (int i = 0; i < n; i++) {
		name_of(name, i);
		op(dfd, name);
	}
	printf("%s %.0f\n", label, n / (now() - t));
}

static void op_create(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_CREAT | O_WRONLY | O_TRUNC, 0644);

	if (fd < 0 || write(fd, buf, sizeof(buf)) != sizeof(buf))
		die("cannot create", name);
	close(fd);
}

static void op_stat(int dfd, const char *name)
{
	struct stat st;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		die("cannot stat", name);
}

static void op_read(int dfd, const char *name)
{
	int fd = openat(dfd, name, O_RDONLY);

	if (fd < 0 || read(fd, buf, sizeof(buf)) != sizeof(buf))
		die("cannot read", name);
	close(fd);
}

static void op_unlink(int dfd, const char *name)
{
	if (unlinkat(dfd, name, 0) < 0)
		die("cannot unlink", name);
}

static void readdir_phase(const char *dir)
{
	double t = now();
	struct dirent *d;
	long seen = 0;
	DIR *dp = opendir(dir);

	if (!dp)
		die("cannot open", dir);
	while ((d = readdir(dp)))
		seen++;
	closedir(dp);
	printf("readdir %.0f\n", seen / (now() - t));
}

int main(int argc, char **argv)
{
	int n, dfd;

	if (argc != 3 || (n = atoi(argv[2])) <= 0) {
		fprintf(stderr, "Usage: fbr-bench-files DIR COUNT\n");
		return 2;
	}
	dfd = open(argv[1], O_DIRECTORY | O_RDONLY);
	if (dfd < 0)
		die("cannot open", argv[1]);
	memset(buf, 'x', sizeof(buf));
	phase("create", dfd, n, op_create);
	phase("stat", dfd, n, op_stat);
	readdir_phase(argv[1]);
	phase("read", dfd, n, op_read);
	phase("unlink", dfd, n, op_unlink);
	return 0;
}
