/*
 * The report SIGUSR1 asks for: what the driver holds, how many fds the
 * process has open, and the requests being served right now with their
 * age, which is where a hung mount shows what it hangs on.  Written in one
 * go to the --stats-file (replaced each time), stderr, or syslog.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "fbr-mount.h"
#include "protocol/opcode.h"

#define MAX_BUSY 64

static long count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	long n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the directory's own */
}

static void report(FILE *f, const struct args *a, const struct fbr_pt_stats *st,
		   const struct fbr_fusedev *srv)
{
	struct fbr_fusedev_busy busy[MAX_BUSY];
	unsigned n = fbr_fusedev_busy(srv, busy, MAX_BUSY);

	if (a->source)
		fprintf(f, "fbr-mount %s on %s (pid %ld)\n", a->source,
			a->mountpoint, (long)getpid());
	else
		fprintf(f, "fbr-mount of %zu sources on %s (pid %ld)\n",
			a->mounts.n, a->mountpoint, (long)getpid());
	fprintf(f, "inodes: %llu\n", (unsigned long long)st->inodes);
	fprintf(f, "open handles: %llu\n", (unsigned long long)st->handles);
	fprintf(f, "fds in use: %ld\n", count_fds());
	fprintf(f, "workers: %u\n", fbr_fusedev_threads(srv));
	fprintf(f, "requests in flight: %u\n", n);
	for (unsigned i = 0; i < n; i++)
		fprintf(f, "  %s unique %llu for %.3f s (worker %u)\n",
			fbr_opcode_name(busy[i].opcode) ?: "?",
			(unsigned long long)busy[i].unique,
			(double)busy[i].age_ns / 1e9, busy[i].worker);
}

static void emit(const struct args *a, char *text, size_t len)
{
	int fd = STDERR_FILENO;

	if (a->stats_file) {
		fd = open(a->stats_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			  0644);
		if (fd < 0) {
			errmsg("cannot open '%s': %m", a->stats_file);
			return;
		}
	} else if (cli_is_syslog()) {
		for (char *line = strtok(text, "\n"); line;
		     line = strtok(NULL, "\n"))
			syslog(LOG_INFO, "%s", line);
		return;
	}
	if (write(fd, text, len) != (ssize_t)len)
		errmsg("cannot write the stats report: %m");
	if (fd != STDERR_FILENO)
		close(fd);
}

void stats_report(const struct args *a, const struct fbr_pt_stats *st,
		  const struct fbr_fusedev *srv)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return;
	report(f, a, st, srv);
	if (fclose(f) == 0)
		emit(a, text, len);
	free(text);
}
