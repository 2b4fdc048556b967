/*
 * fbr-virtiofsd: a vhost-user-fs back-end serving a host directory to a
 * virtual machine, meant as a drop-in for virtiofsd.  Shared between the
 * option parser (options.c, values.c, compat.c), the serving code
 * (serve.c, socket.c, ops.c), the sandbox (sandbox.c, caps.c, seccomp.c)
 * and main.c.
 */
#ifndef FBR_VIRTIOFSD_H
#define FBR_VIRTIOFSD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../cli.h"
#include "../vfsmounts.h"
#include "fbr/passthrough.h"
#include "fbr/log.h"

enum {
	EXIT_OK = 0,      /* served until the front-end hung up */
	EXIT_FAIL = 1,    /* could not listen, sandbox, serve or share */
	EXIT_USAGE = 2,   /* bad command line */
};

/* A shell's status for "stopped by signal sig". */
#define EXIT_SIGNAL(sig) (128 + (sig))

enum sandbox_mode {
	SANDBOX_NAMESPACE,  /* mount, pid and net namespaces, pivot_root */
	SANDBOX_CHROOT,     /* chroot(2) only (where namespaces are denied) */
	SANDBOX_NONE,
};

enum syscall_filter {
	FILTER_KILL,        /* a call outside the allow-list kills us */
	FILTER_LOG,         /* ...is allowed and logged by the kernel */
	FILTER_TRAP,        /* ...raises SIGSYS: we name it and exit */
	FILTER_NONE,
};

enum handles_mode {
	HANDLES_NEVER,      /* one O_PATH fd per inode the guest knows */
	HANDLES_PREFER,     /* file handles where the filesystem has them */
	HANDLES_MANDATORY,  /* ...and refuse to start where it has not */
};

struct args {
	struct fbr_pt_opts pt;     /* pt.source: --shared-dir, or NULL */
	struct vfs_mounts mounts;  /* --mount PATH=SOURCE, in order */
	const char *socket_path;   /* listen here, or */
	int fd;                    /* on this listening socket (-1: none) */
	gid_t socket_gid;          /* --socket-group, if socket_group */
	bool socket_group;
	unsigned threads;          /* --thread-pool-size: accepted */
	enum sandbox_mode sandbox;
	enum syscall_filter seccomp;
	enum handles_mode handles;
	unsigned long rlimit_nofile; /* 0: leave RLIMIT_NOFILE alone */
	uint64_t caps_add;         /* --modcaps, bit n for capability n */
	uint64_t caps_drop;
	bool allow_direct_io;      /* else O_DIRECT is dropped from opens */
	bool no_flock;             /* refuse FUSE_FLOCK_LOCKS at INIT */
	bool no_posix_lock;        /* refuse FUSE_POSIX_LOCKS at INIT */
	bool announce_submounts;   /* asked for; we can only warn */
	bool syslog;
	enum fbr_log_level log_level;
	bool print_caps;
	char *trace_file;
};

/* options.c: returns EXIT_OK to go on, or the code to exit with. */
int parse_args(int argc, char **argv, struct args *a, bool *done);

/* values.c: option values; each returns EXIT_OK or EXIT_USAGE, said. */
int bad_value(const char *what, const char *val);
int set_cache(struct args *a, const char *val);
int set_level(struct args *a, const char *val);
int set_sandbox(struct args *a, const char *val);
int set_seccomp(struct args *a, const char *val);
int set_handles(struct args *a, const char *val);
int set_uint(const char *what, const char *val, unsigned max, unsigned *out);
int set_nofile(struct args *a, const char *val);
int set_fd(struct args *a, const char *val);
int set_group(struct args *a, const char *val);
int set_timeout(struct args *a, const char *val);
int unsupported(const char *what, const char *why);

/* compat.c: one -o list of the C virtiofsd. */
int parse_compat(struct args *a, char *list);

/* caps.c */
int parse_modcaps(struct args *a, const char *list);
/* Give up CAP_DAC_READ_SEARCH now: the driver then never uses handles. */
int caps_forgo_handles(void);
/* Keep only the capabilities the server needs.  0 or -1, said. */
int caps_limit(const struct args *a);

/* seccomp.c: allow only the system calls we make.  0 or -1, said. */
int seccomp_apply(const struct args *a);

/* sandbox.c */
/*
 * With --sandbox namespace, enter new pid, mount and net namespaces: the
 * server carries on in a child process (*child set), while the calling
 * process waits for it and returns the status to exit with.  Without,
 * nothing happens and *child is set.
 */
int sandbox_enter(const struct args *a, int conn, bool *child);
/* Ready the mounts and make the shared directory the current one;
   *source is what the driver should open.  0 or -1, said. */
int sandbox_prepare(const struct args *a, const char **source);
/* The same with --mount: the sources' paths for the driver to open in
   sources[], each the sandbox's own.  0 or -1, said. */
int sandbox_prepare_vfs(const struct args *a, const char **sources);
/* Make the shared directory our root.  0 or -1, said. */
int sandbox_confine(const struct args *a);

/* socket.c: the front-end's connection, or -1 (said). */
void catch_signals(void);
int connection(const struct args *a);

/* ops.c: what the passthrough driver does, as the options bend it. */
void ops_wrap(struct fbr_driver *drv, const struct args *a);

/* serve.c */
int run(const struct args *a);

#endif
