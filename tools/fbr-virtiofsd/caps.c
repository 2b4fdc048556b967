/*
 * Capabilities: once the sandbox is built, the server keeps only what the
 * passthrough driver needs to act for the guest's users as root would,
 * and drops the rest from its bounding set too.  --modcaps adds to that
 * set or takes from it, in virtiofsd's "+name:-name" form.
 *
 * Capabilities belong to a thread: this runs before the first thread is
 * made, and every later one inherits the cut set.  The driver switches a
 * worker's effective uid for a request and back; back at euid 0 the
 * effective set is refilled from the permitted one, which is why the cut
 * is made to the permitted set.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>

#include "fbr-virtiofsd.h"

#define N_ELEM(x) (sizeof(x) / sizeof((x)[0]))
#define BIT(c) (1ULL << (c))

static const cap_value_t server_caps[] = {
	CAP_CHOWN,        /* make the guest's files its users' */
	CAP_DAC_OVERRIDE, /* reach every file, whatever its mode */
	CAP_FOWNER,       /* chmod, utimes and the like on any file */
	CAP_FSETID,       /* keep set-id bits: the driver clears them itself */
	CAP_SETGID,       /* act for the caller: its gid and groups, */
	CAP_SETUID,       /* and its uid */
	CAP_MKNOD,        /* the guest's device nodes */
	CAP_SETFCAP,      /* the guest's file capabilities */
};

/* name or cap_name, as virtiofsd takes both. */
static int cap_named(const char *name, cap_value_t *c)
{
	char full[64];

	snprintf(full, sizeof(full), "%s%s",
		 strncasecmp(name, "cap_", 4) ? "cap_" : "", name);
	if (cap_from_name(full, c) || *c < 0 || *c >= 64)
		return bad_value("capability", name);
	return EXIT_OK;
}

int parse_modcaps(struct args *a, const char *list)
{
	char buf[1024], *save = NULL;
	cap_value_t c;

	if (strlen(list) >= sizeof(buf))
		return bad_value("capability list", list);
	strcpy(buf, list);
	for (char *m = strtok_r(buf, ":", &save); m;
	     m = strtok_r(NULL, ":", &save)) {
		if (m[0] != '+' && m[0] != '-')
			return bad_value("capability change (+name or -name)", m);
		if (cap_named(m + 1, &c))
			return EXIT_USAGE;
		if (m[0] == '+') {
			a->caps_add |= BIT(c);
			a->caps_drop &= ~BIT(c);
		} else {
			a->caps_drop |= BIT(c);
			a->caps_add &= ~BIT(c);
		}
	}
	return EXIT_OK;
}

static uint64_t wanted(const struct args *a)
{
	uint64_t w = 0;

	for (size_t i = 0; i < N_ELEM(server_caps); i++)
		w |= BIT(server_caps[i]);
	/* open_by_handle_at, which can open any inode of the filesystem */
	if (a->handles != HANDLES_NEVER)
		w |= BIT(CAP_DAC_READ_SEARCH);
	return (w | a->caps_add) & ~a->caps_drop;
}

static int set_proc(cap_t c, const char *what)
{
	int ret = cap_set_proc(c);

	if (ret)
		errmsg("cannot %s: %s", what, strerror(errno));
	cap_free(c);
	return ret ? -1 : 0;
}

int caps_forgo_handles(void)
{
	cap_value_t v = CAP_DAC_READ_SEARCH;
	cap_t c = cap_get_proc();

	if (!c || cap_set_flag(c, CAP_EFFECTIVE, 1, &v, CAP_CLEAR) ||
	    cap_set_flag(c, CAP_PERMITTED, 1, &v, CAP_CLEAR)) {
		errmsg("cannot drop cap_dac_read_search: %s", strerror(errno));
		cap_free(c);
		return -1;
	}
	return set_proc(c, "drop cap_dac_read_search");
}

/* Off the bounding set too, where we may (CAP_SETPCAP): no file we
   could ever execute would give them back. */
static int drop_bounding(cap_t now, uint64_t want)
{
	cap_value_t setpcap = CAP_SETPCAP;
	cap_flag_value_t may = CAP_CLEAR;

	cap_get_flag(now, setpcap, CAP_EFFECTIVE, &may);
	for (cap_value_t c = 0; may && c < cap_max_bits() && c < 64; c++) {
		if (!(want & BIT(c)) && cap_get_bound(c) == 1 &&
		    cap_drop_bound(c)) {
			errmsg("cannot drop capability %d from the bounding set: %s",
			       c, strerror(errno));
			return -1;
		}
	}
	return 0;
}

static void warn_not_held(cap_value_t c)
{
	char *name = cap_to_name(c);

	fbr_log(FBR_LOG_WARN, "sandbox", "--modcaps: %s is not ours to keep",
		name ? name : "?");
	cap_free(name);
}

int caps_limit(const struct args *a)
{
	uint64_t want = wanted(a);
	cap_t now = cap_get_proc(), next = cap_init();
	cap_flag_value_t held;
	cap_flag_t both[] = { CAP_PERMITTED, CAP_EFFECTIVE };

	if (!now || !next || drop_bounding(now, want)) {
		if (!now || !next)
			errmsg("cannot read capabilities: %s", strerror(errno));
		cap_free(now);
		cap_free(next);
		return -1;
	}
	for (cap_value_t c = 0; c < cap_max_bits() && c < 64; c++) {
		if (!(want & BIT(c)) || cap_get_flag(now, c, CAP_PERMITTED, &held))
			continue;
		for (size_t i = 0; held && i < N_ELEM(both); i++)
			cap_set_flag(next, both[i], 1, &c, CAP_SET);
		if (!held && (a->caps_add & BIT(c)))
			warn_not_held(c);
	}
	cap_free(now);
	return set_proc(next, "set capabilities");
}
