/*
 * fbr-virtiofsd: a vhost-user-fs back-end serving a host directory to a
 * virtual machine, meant as a drop-in for virtiofsd.  Shared between the
 * option parser (options.c), the serving code (serve.c) and main.c.
 */
#ifndef FBR_VIRTIOFSD_H
#define FBR_VIRTIOFSD_H

#include <stdbool.h>

#include "../cli.h"
#include "drivers/passthrough/passthrough.h"
#include "util/log.h"

enum {
	EXIT_OK = 0,      /* served until the front-end hung up */
	EXIT_FAIL = 1,    /* could not listen, serve or share the directory */
	EXIT_USAGE = 2,   /* bad command line */
};

struct args {
	struct fbr_pt_opts pt;
	const char *socket_path;   /* listen here, or */
	int fd;                    /* on this listening socket (-1: none) */
	unsigned threads;          /* --thread-pool-size: accepted */
	enum fbr_log_level log_level;
	bool debug;                /* log_level debug: every subsystem */
	bool print_caps;
	char *trace_file;
};

/* options.c: returns EXIT_OK to go on, or the code to exit with. */
int parse_args(int argc, char **argv, struct args *a, bool *done);

/* serve.c */
int run(const struct args *a);

#endif
