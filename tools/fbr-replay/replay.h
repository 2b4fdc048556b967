/*
 * The replay engine.  Each request of the trace becomes a job: its bytes
 * rewritten so that the ids it names (nodeids, file handles, directory
 * offsets) are the live session's rather than the recording's (ids.c,
 * fields.c, dirs.c), handed to the dispatcher, and its reply compared
 * with the recorded one field by field (compare.c), with what the
 * replies teach about ids learned from both (learn.c, exec.c).  Jobs run
 * one after another, or on threads in an order that keeps requests on
 * the same node or handle in sequence (sched.c).  A divergence is
 * reported with the requests before it (report.c).
 */
#ifndef FBR_REPLAY_ENGINE_H
#define FBR_REPLAY_ENGINE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "fbr-replay.h"
#include "protocol/emit.h"
#include "fbr/session.h"
#include "trace/decode.h"
#include "trace/summary.h"
#include "trace/u64map.h"
#include "transports/memory.h"

struct replay;

/*
 * ids.c: recorded ids bound to live ones.  A recorded nodeid is bound
 * while the recording's kernel holds lookups on it, and only if the live
 * driver gave it a counterpart; the root is always 1.  Every function
 * that adds returns 0 or -ENOMEM.
 */
struct ids {
	struct fbr_u64map node, live_node; /* recorded <-> live nodeids */
	struct fbr_u64map count;           /* recorded nodeid -> lookups */
	struct fbr_u64map fh, live_fh;     /* recorded <-> live handles */
};

void ids_free(struct ids *ids);
void ids_clear(struct ids *ids);
/* The live id for recorded r; when unbound (*bound false), one that no
   driver gives out. */
uint64_t ids_node(const struct ids *ids, uint64_t r, bool *bound);
uint64_t ids_fh(const struct ids *ids, uint64_t r, bool *bound);
/* Whether live id l may stand for recorded r: neither is bound else. */
bool ids_node_agrees(const struct ids *ids, uint64_t r, uint64_t l);
bool ids_fh_agrees(const struct ids *ids, uint64_t r, uint64_t l);
/* The recording's kernel got a lookup on r; the live driver gave l (or 0). */
int ids_lookup(struct ids *ids, uint64_t r, uint64_t l);
/* The live driver's lookup for a lookup already counted. */
int ids_bind_node(struct ids *ids, uint64_t r, uint64_t l);
/* It forgot n of them. */
void ids_forget(struct ids *ids, uint64_t r, uint64_t n);
int ids_open(struct ids *ids, uint64_t r, uint64_t l);
void ids_release(struct ids *ids, uint64_t r);
/* The nodeids the live driver should hold lookups on, the root included. */
uint64_t ids_held(const struct ids *ids);

/*
 * compare.c: a reply against the recorded one.  Both are decoded into
 * flat fields (the describers of lib/protocol, as fbr-trace shows them);
 * rows pair the fields by name and say how they compare.  Notes are
 * lines about what has no field of its own: data, listings, counts.
 */
enum mark {
	MARK_SAME,      /* equal */
	MARK_REMAPPED,  /* ids of one run each, bound to each other */
	MARK_MASKED,    /* differ, but not compared (without --strict) */
	MARK_DIFF,      /* a divergence */
};

struct row {
	const char *path, *exp, *act; /* into the verdict's emitters */
	uint16_t plen;
	uint32_t elen, alen;          /* exp or act NULL: the field is absent */
	enum mark mark;
};

struct verdict {
	struct fbr_emit exp, act;     /* flat fields of the two replies */
	struct row *rows;
	size_t nrows, cap;
	struct fbr_emit notes;
	bool differs;
};

void verdict_init(struct verdict *v);
void verdict_release(struct verdict *v);
void verdict_reset(struct verdict *v);
/* A note line, and whether it is a divergence. */
void verdict_note(struct verdict *v, bool differs, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A remapped id of a job's request, for the report. */
struct remapped {
	const char *what;             /* "nodeid", "fh", "newdir", ... */
	uint64_t rec, live;
	bool bound;
};

#define MAX_REMAPPED 4

/* One request of the trace, with the reply recorded for it. */
struct job {
	uint64_t seq;                 /* its place in the replay */
	uint64_t offset;              /* of its request record */
	struct fuse_in_header in;     /* as recorded */
	unsigned char *req;           /* the request, rewritten for replay */
	uint32_t reqlen, reqcap;
	const unsigned char *rep;     /* the recorded reply; NULL: none due */
	uint32_t replen, reporig;     /* its captured and whole length */
	unsigned char *repbuf;        /* rep's copy when it outlives the event */
	uint32_t repcap;
	struct fbr_args args;         /* its arguments, pointing into req */
	bool parsed;                  /* false: args unknown, header only */
	struct remapped ids[MAX_REMAPPED];
	unsigned nids;
	struct fbr_emit line;         /* the event as fbr-trace shows it */
	/* sched.c's */
	int state;
	bool barrier;
	uint64_t *deps;
	uint32_t ndeps, capdeps;
};

/* The live side of a job. */
struct live {
	const unsigned char *rep;     /* the reply, or NULL */
	uint32_t len;
	unsigned nreplies;
	bool late;                    /* it never came: waited in vain */
	uint64_t ns;                  /* from dispatch to reply */
};

/* What runs jobs: the main thread, or one of --threads. */
struct worker {
	struct replay *rp;
	struct fbr_memsink *sink;
	struct verdict v;
	pthread_t thread;
};

/* A sink a deferred reply may still land in: freed after the session. */
struct retired {
	struct retired *next;
	struct fbr_memsink sink;
};

/* backing.c: FUSE passthrough, when the recorded INIT reply o granted it. */
void replay_backing(struct replay *rp, const struct fuse_init_out *o);

/* progress.c: the status line on a terminal. */
struct progress {
	bool on;
	bool shown;
	uint64_t start, next;         /* ns */
	uint64_t size;                /* of the trace file */
};

/* sched.c's state. */
struct sched {
	unsigned window;              /* jobs in flight at most */
	size_t nslots;                /* window + context */
	struct job *slots;            /* seq % nslots */
	uint64_t next;                /* the seq the next job gets */
	uint64_t low;                 /* every job before it is done */
	pthread_mutex_t lock;
	pthread_cond_t work, room;
	struct fbr_u64map last_node;  /* nodeid -> seq of the last job on it */
	struct fbr_u64map last_fh;
	struct fbr_u64map names;      /* hash of (dir, name) -> its nodeid */
	struct worker *workers;
	unsigned nworkers;
	bool ending;
};

struct dirs {
	struct fbr_u64map by_fh;      /* recorded fh -> struct dir * */
};

struct counts {
	uint64_t replayed;            /* requests dispatched */
	uint64_t differ;              /* of which divergent */
	uint64_t skipped;             /* not replayed: no request or reply */
};

struct replay {
	const struct args *a;
	struct fbr_trace_reader *reader;
	struct fbr_decoder *dec;
	struct fbr_render_opts ro;
	struct replay_driver drv;
	bool have_drv;
	struct fbr_session *session;  /* from the first INIT on */
	struct root root;
	pthread_mutex_t lock;         /* all below, when threaded */
	struct ids ids;
	struct dirs dirs;
	struct fbr_summary *bench;
	struct counts n;
	int64_t held_gap;             /* driver's held - recording's, last said */
	int trouble;                  /* exit 2: already said why */
	atomic_bool stop;
	struct retired *retired;
	struct fbr_emit out;          /* a report, written out whole */
	uint64_t pace_wall, pace_ts;  /* --pace: where the clocks met */
	struct progress progress;
	struct sched sched;
	struct worker main;
};

uint64_t now_ns(void);
void replay_lock(struct replay *rp);
void replay_unlock(struct replay *rp);
/* Something made the replay meaningless: say it, stop, exit 2. */
void replay_trouble(struct replay *rp, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* fields.c: where a request names ids, and what a reply gives out. */
enum idkind { ID_NODE, ID_FH };
typedef void (*id_fn)(void *ctx, enum idkind kind, const char *what,
		      unsigned char *at);
/* Each id field of j's request (header included), in place; only the
   header's when its arguments could not be parsed.  BATCH_FORGET's items
   are called "forget", their nlookup following the nodeid. */
void request_ids(struct job *j, id_fn fn, void *ctx);
/* The nodeid a successful reply to opcode gives out, or 0; the handle. */
uint64_t reply_nodeid(uint32_t opcode, const unsigned char *p, size_t len);
bool reply_fh(uint32_t opcode, const unsigned char *p, size_t len,
	      uint64_t *fh);
/* The recorded value of an id the job's request was sent with, or 0. */
uint64_t job_recorded(const struct job *j, const char *what);
uint64_t load_u64(const unsigned char *p);
void store_u64(unsigned char *p, uint64_t v);

/* exec.c: run one job; remap, dispatch, judge. */
void job_run(struct replay *rp, struct worker *w, struct job *j);
int worker_init(struct worker *w, struct replay *rp);
void worker_release(struct worker *w);
/* Give back n lookups on live nodeid l the recording never made. */
void replay_forget_live(struct replay *rp, uint64_t l, uint64_t n);
/* The driver's lookups against the recording's: a note when the gap
   between them changed. */
void check_held(struct replay *rp, struct verdict *v);

/* compare.c */
/* --bench: the errors only. */
void compare_errors(const struct job *j, const struct live *l,
		    struct verdict *v);
void compare_reply(struct replay *rp, const struct job *j,
		   const struct live *l, struct verdict *v);
/* Two fuse_entry_out records (READDIRPLUS): differing fields as notes. */
void compare_entries(struct replay *rp, const char *name,
		     const unsigned char *rec, const unsigned char *live,
		     struct verdict *v);

/* learn.c: what the replies teach; after compare_reply(). */
void learn(struct replay *rp, const struct job *j, const struct live *l,
	   struct verdict *v);

/* dirs.c: directory listings, per recorded handle. */
void dirs_free(struct dirs *d);
uint64_t dirs_offset(const struct dirs *d, uint64_t fh, uint64_t off);
void dirs_reply(struct replay *rp, const struct job *j,
		const struct live *l, struct verdict *v);
void dirs_release(struct replay *rp, uint64_t fh, struct verdict *v);
/* The nodeids a recorded READDIRPLUS reply gives out, and their names. */
typedef void (*dirent_fn)(void *ctx, uint64_t nodeid, const char *name,
			  size_t len);
void dirs_nodeids(const struct job *j, dirent_fn fn, void *ctx);

/* report.c: j NULL for what the end of the trace showed. */
void report(struct replay *rp, const struct job *j, const struct verdict *v);
void report_summary(struct replay *rp);

/* sched.c */
int sched_init(struct replay *rp);
void sched_fini(struct replay *rp);
/* The slot for the next job, once there is room for it. */
struct job *sched_slot(struct replay *rp);
void sched_submit(struct replay *rp, struct job *j);
/* Wait until every job submitted is done. */
void sched_drain(struct replay *rp);
/* The job seq, if its slot still holds it. */
const struct job *sched_job(const struct replay *rp, uint64_t seq);

/* progress.c; progress_tick() only when p->on (a terminal). */
void progress_init(struct progress *p, uint64_t size);
void progress_tick(struct progress *p, uint64_t requests, uint64_t offset);
void progress_clear(struct progress *p);

#endif
