/*
 * fbr's side of the ABI cross-check: the tables of tests/unit/abi-fields.h
 * filled in from lib/include/fbr/fuse_abi.h, every group of them.  test-abi.c holds
 * these up against abi-sys.c (<linux/fuse.h>) and abi-btf.c (kernel BTF).
 */
#include "fbr/fuse_abi.h"

#include "abi-fields.h"

const struct abi_group abi_ours[ABI_NGROUPS] = {
	[ABI_G738] = ABI_GROUP(738),
	[ABI_GSUPP] = ABI_GROUP(SUPP),
	[ABI_G739] = ABI_GROUP(739),
	[ABI_G740] = ABI_GROUP(740),
	[ABI_G741] = ABI_GROUP(741),
	[ABI_G742] = ABI_GROUP(742),
	[ABI_G743] = ABI_GROUP(743),
	[ABI_G744] = ABI_GROUP(744),
	[ABI_G745] = ABI_GROUP(745),
};
