/*
 * Cross-checks lib/include/fbr/fuse_abi.h, fbr's own copy of the FUSE wire ABI,
 * against the system's <linux/fuse.h> and the running kernel's BTF: every
 * struct size, field offset and size, enum value and #define listed in
 * abi-fields.h, one TAP assertion each.  A reference that lacks a group
 * (an older header, a kernel without BTF or bpftool) skips it with the
 * reason.
 */
#include <stdio.h>
#include <string.h>

#include "abi-fields.h"
#include "tap.h"

#define ABI_GROUP_NAME(id, name) [ABI_G##id] = name,
static const char *const group_names[ABI_NGROUPS] = {
	ABI_GROUP_LIST(ABI_GROUP_NAME)
};

/* Compare one table of ours with the same table from a reference. */
static void compare_table(const struct abi_table *ours,
			  const struct abi_table *ref, const char *what)
{
	if (!ours->v[0].name)
		return; /* nothing of this kind in the group */
	if (!ref->v) {
		if (ref->missing)
			skip(ref->missing, "%s", what);
		return;
	}
	for (int i = 0; ours->v[i].name; i++) {
		const struct abi_entry *o = &ours->v[i], *r = &ref->v[i];

		if (!r->name || strcmp(o->name, r->name) != 0) {
			ok(0, "%s: tables out of step at %s", what, o->name);
			return;
		}
		is_int(o->value, r->value, "%s: %s", what, o->name);
	}
}

static void compare_group(int g, const struct abi_group *ref,
			  const char *refname)
{
	const struct abi_group *ours = &abi_ours[g];
	char what[160];

	snprintf(what, sizeof what, "%s structs vs %s", group_names[g], refname);
	compare_table(&ours->structs, &ref[g].structs, what);
	snprintf(what, sizeof what, "%s enums vs %s", group_names[g], refname);
	compare_table(&ours->enums, &ref[g].enums, what);
	snprintf(what, sizeof what, "%s defines vs %s", group_names[g], refname);
	compare_table(&ours->defines, &ref[g].defines, what);
}

int main(void)
{
	for (int g = 0; g < ABI_NGROUPS; g++)
		compare_group(g, abi_sys, "<linux/fuse.h>");
	for (int g = 0; g < ABI_NGROUPS; g++)
		compare_group(g, abi_btf, "kernel BTF");
	return done_testing();
}
