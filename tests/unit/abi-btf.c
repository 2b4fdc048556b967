/*
 * The running kernel's side of the ABI cross-check: the tables of
 * tests/unit/abi-fields.h filled in from abi-vmlinux.h, the kernel's BTF
 * dumped as C at build time by abi-vmlinux.sh.  That header says, per group,
 * ABI_BTF_LACKS_<group> "why" when the BTF (or the whole dump) lacks it.
 * BTF has no #defines and the 7.38 structs are checked against
 * <linux/fuse.h>, so only the newer structs and all enums are filled in.
 * Built apart (libabibtf.a) with warnings off: the dump is not clean.
 */
#include "abi-vmlinux.h"

#include "abi-fields.h"

#define BTF_GROUP(g) { ABI_TABLE(ABI_##g##_STRUCTS), ABI_TABLE(ABI_##g##_ENUMS), ABI_NONE }
#define BTF_MISSING(why) { ABI_MISSING(why), ABI_MISSING(why), ABI_NONE }

#ifdef ABI_BTF_LACKS_738
#define BTF_738 { ABI_NONE, ABI_MISSING(ABI_BTF_LACKS_738), ABI_NONE }
#else
#define BTF_738 { ABI_NONE, ABI_TABLE(ABI_738_ENUMS), ABI_NONE }
#endif
#ifdef ABI_BTF_LACKS_SUPP
#define BTF_SUPP BTF_MISSING(ABI_BTF_LACKS_SUPP)
#else
#define BTF_SUPP BTF_GROUP(SUPP)
#endif
#ifdef ABI_BTF_LACKS_739
#define BTF_739 BTF_MISSING(ABI_BTF_LACKS_739)
#else
#define BTF_739 BTF_GROUP(739)
#endif
#ifdef ABI_BTF_LACKS_740
#define BTF_740 BTF_MISSING(ABI_BTF_LACKS_740)
#else
#define BTF_740 BTF_GROUP(740)
#endif
#ifdef ABI_BTF_LACKS_742
#define BTF_742 BTF_MISSING(ABI_BTF_LACKS_742)
#else
#define BTF_742 BTF_GROUP(742)
#endif
#ifdef ABI_BTF_LACKS_743
#define BTF_743 BTF_MISSING(ABI_BTF_LACKS_743)
#else
#define BTF_743 BTF_GROUP(743)
#endif
#ifdef ABI_BTF_LACKS_744
#define BTF_744 BTF_MISSING(ABI_BTF_LACKS_744)
#else
#define BTF_744 BTF_GROUP(744)
#endif
#ifdef ABI_BTF_LACKS_745
#define BTF_745 BTF_MISSING(ABI_BTF_LACKS_745)
#else
#define BTF_745 BTF_GROUP(745)
#endif

const struct abi_group abi_btf[ABI_NGROUPS] = {
	[ABI_G738] = BTF_738, [ABI_GSUPP] = BTF_SUPP, [ABI_G739] = BTF_739,
	[ABI_G740] = BTF_740, [ABI_G741] = { ABI_NONE, ABI_NONE, ABI_NONE },
	[ABI_G742] = BTF_742, [ABI_G743] = BTF_743, [ABI_G744] = BTF_744,
	[ABI_G745] = BTF_745,
};
