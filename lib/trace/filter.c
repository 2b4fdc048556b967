/*
 * Event filters for fbr-trace's -e, --errno, -Z, -n, -P, --from, --to.
 * Names are compared without regard to case; a path prefix matches whole
 * components, so /a matches /a and /a/b but not /ab.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "protocol/names.h"
#include "protocol/opcode.h"
#include "trace/filter.h"

static bool add_op(struct fbr_filter *f, const char *name)
{
	if (!strcasecmp(name, "NOTIFY")) {
		f->notify = true;
		return true;
	}
	for (uint32_t op = 0; op <= FUSE_OPCODE_MAX; op++) {
		const char *n = fbr_opcode_name(op);

		if (n && !strcasecmp(n, name)) {
			f->ops[op] = true;
			return true;
		}
	}
	return false;
}

int fbr_filter_opcodes(struct fbr_filter *f, char *list, const char **bad)
{
	char *save = NULL;

	f->by_op = true;
	for (char *w = strtok_r(list, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		if (!add_op(f, w)) {
			*bad = w;
			return -EINVAL;
		}
	}
	return 0;
}

static int errno_of(const char *name)
{
	char up[32];
	size_t i;

	for (i = 0; name[i] && i < sizeof(up) - 1; i++)
		up[i] = (char)(name[i] >= 'a' && name[i] <= 'z' ?
			       name[i] - 'a' + 'A' : name[i]);
	up[i] = '\0';
	return fbr_errno_value(up);
}

int fbr_filter_errnos(struct fbr_filter *f, char *list, const char **bad)
{
	char *save = NULL;

	f->by_errno = true;
	for (char *w = strtok_r(list, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		int v = errno_of(w);

		if (v <= 0 || v >= 4096) {
			*bad = w;
			return -EINVAL;
		}
		f->errnos[v / 8] |= (uint8_t)(1u << (v % 8));
	}
	return 0;
}

static bool op_ok(const struct fbr_filter *f, const struct fbr_event *ev)
{
	if (!f->by_op)
		return true;
	if (ev->kind == FBR_EV_NOTIFY)
		return f->notify;
	return ev->req.p && ev->in.opcode <= FUSE_OPCODE_MAX &&
	       f->ops[ev->in.opcode];
}

static bool errno_ok(const struct fbr_filter *f, const struct fbr_event *ev)
{
	int32_t err = ev->out.error;
	bool answered = ev->kind == FBR_EV_CALL || ev->kind == FBR_EV_ORPHAN;

	if (f->failed && !(answered && err < 0) && ev->kind != FBR_EV_UNANSWERED)
		return false;
	if (!f->by_errno)
		return true;
	return answered && err < 0 && err > -4096 &&
	       (f->errnos[-err / 8] & (1u << (-err % 8)));
}

static bool under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	while (n > 1 && prefix[n - 1] == '/')
		n--;
	if (strncmp(path, prefix, n) != 0)
		return false;
	return path[n] == '\0' || path[n] == '/' || (n == 1 && prefix[0] == '/');
}

static bool path_ok(const struct fbr_filter *f, const struct fbr_decoder *d,
		    const struct fbr_event *ev)
{
	char path[4096];
	const char *name = fbr_event_name(ev);
	size_t n;

	if (!ev->req.p || !fbr_decoder_path(d, ev->in.nodeid, path, sizeof(path)))
		return false;
	if (under(path, f->path))
		return true;
	n = strlen(path);
	if (!name || n + strlen(name) + 2 > sizeof(path))
		return false;
	/* The name a LOOKUP, CREATE, UNLINK... is about, under its parent. */
	if (n > 1)
		path[n++] = '/';
	strcpy(path + n, name);
	return under(path, f->path);
}

bool fbr_filter_match(const struct fbr_filter *f, const struct fbr_decoder *d,
		      const struct fbr_event *ev, uint64_t start_clock)
{
	uint64_t ts = ev->req.p ? ev->req.ts : ev->rep.ts;
	uint64_t rel = ts >= start_clock ? ts - start_clock : 0;

	if (rel < f->from || (f->to && rel > f->to))
		return false;
	if (!op_ok(f, ev) || !errno_ok(f, ev))
		return false;
	if (f->by_nodeid && !(ev->req.p && ev->in.nodeid == f->nodeid) &&
	    fbr_event_new_nodeid(ev) != f->nodeid)
		return false;
	return !f->path || path_ok(f, d, ev);
}
