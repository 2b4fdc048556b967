/*
 * Parts shared by the tables of fbr-posix: too long names, group
 * membership of the identities, the owner letters of setup scripts, and
 * the path resolution errors every call taking a path can give (ENOENT,
 * ENOTDIR, ENAMETOOLONG, ELOOP and EACCES on search), run as everyone.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/types.h>

#include "tests/posix/posix.h"
#include "tests/posix/cases.h"

#define N50 "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"
#define X50 "x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/x/"
#define X500 X50 X50 X50 X50 X50 X50 X50 X50 X50 X50

const char *const long_name = N50 N50 N50 N50 N50 "nnnnnn";
const char *const long_path = X500 X500 X500 X500 X500 X500 X500 X500 X500;

bool in_group(enum who w, gid_t g)
{
	return g == who_gid(w) || (w == MEMBER && g == GID_FILES);
}

uid_t own_uid(char o)
{
	return o == 'r' ? 0 : o == 'm' ? UID_MEMBER : o == 'n' ? UID_OTHER
		: UID_OWNER;
}

gid_t own_gid(char o)
{
	return o == 'r' ? 0 : o == 'n' ? GID_OTHER : o == 'O' ? GID_OWNER
		: GID_FILES;
}

int perm_on(enum who w, unsigned mode, char o)
{
	if (w == ROOT)
		return 7;
	if (who_uid(w) == own_uid(o))
		return (mode >> 6) & 7;
	if (in_group(w, own_gid(o)))
		return (mode >> 3) & 7;
	return mode & 7;
}

bool owns(enum who w, char o)
{
	return w != ROOT && who_uid(w) == own_uid(o);
}

/*
 * The path resolution errors, with the path in a1 (or a2 when second is
 * set).  x is a directory 0600 of the owner: only root may search it, and
 * gets root_want on x/<target>.
 */
void path_errors(const char *fam, struct pcase base, bool second,
		 const char *target, int root_want)
{
	static const char *const names[] = {
		"enoent-dir", "enotdir", "enametoolong", "enametoolong-path",
		"eloop-dir", "eacces-search",
	};
	static const int wants[] = {
		ENOENT, ENOTDIR, ENAMETOOLONG, ENAMETOOLONG, ELOOP, EACCES,
	};
	const char *paths[] = {
		"d/none/t", "d/f/t", fmt("d/%s", long_name), long_path,
		"d/loop/t", fmt("x/%s", target),
	};

	base.setup = fmt("d d 0755 o; f d/f 0644 o; s d/loop loop; d x 0600 o;"
			 " f x/t 0644 o; %s", base.setup ? base.setup : "");
	for (int i = 0; i < 6; i++)
		for (enum who w = 0; w < NWHO; w++) {
			struct pcase c = base;

			c.name = fmt("%s/%s/%s", fam, who_name(w), names[i]);
			*(second ? &c.a2 : &c.a1) = paths[i];
			c.who = w;
			c.want = (i == 5 && w == ROOT) ? root_want : wants[i];
			c.checks = NULL;
			run_case(&c);
		}
}

/* A row run as every identity: the wants and the checks per identity. */
void every(const char *fam, const struct row *r, const struct pcase *base)
{
	for (enum who w = 0; w < NWHO; w++) {
		struct pcase c = *base;

		c.name = fmt("%s/%s/%s", fam, who_name(w), r->name);
		c.setup = r->setup;
		c.a1 = r->a1;
		c.a2 = r->a2 ? r->a2 : base->a2;
		if (r->n1 != NOARG)
			c.n1 = r->n1;
		if (r->n2 != NOARG)
			c.n2 = r->n2;
		c.who = w;
		c.want = r->want[w];
		c.checks = c.want ? r->fail : r->ok;
		run_case(&c);
	}
}

void rows(const char *fam, const struct row *r, size_t n,
	  const struct pcase *base)
{
	for (size_t i = 0; i < n; i++)
		every(fam, &r[i], base);
}
