/*
 * fbr-bench-randread: COUNT reads of 4 KiB at random 4 KiB-aligned offsets
 * of FILE, timed; prints "randread ops_per_second".  Built static by
 * bench/virtiofs.sh to run inside the guest, where there is no fio.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static char buf[4096];
	struct stat st;
	long blocks, n;
	double t;
	int fd;

	if (argc != 3 || (n = atol(argv[2])) <= 0) {
		fprintf(stderr, "Usage: fbr-bench-randread FILE COUNT\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0 || fstat(fd, &st) < 0 || st.st_size < (off_t)sizeof(buf)) {
		fprintf(stderr, "fbr-bench-randread: cannot use '%s': %s\n",
			argv[1], fd < 0 ? strerror(errno) : "too small");
		return 1;
	}
	blocks = (long)(st.st_size / (off_t)sizeof(buf));
	srandom(1);
	t = now();
	for (long i = 0; i < n; i++) {
		off_t off = (off_t)(random() % blocks) * (off_t)sizeof(buf);

		if (pread(fd, buf, sizeof(buf), off) != (ssize_t)sizeof(buf)) {
			fprintf(stderr, "fbr-bench-randread: read: %s\n",
				strerror(errno));
			return 1;
		}
	}
	printf("randread %.0f\n", (double)n / (now() - t));
	return 0;
}
