/*
 * The system's side of the ABI cross-check: the tables of
 * tests/unit/abi-fields.h filled in from <linux/fuse.h>.  Groups newer than
 * the installed header's minor are marked missing, with the reason; Debian
 * 12's header says 7.38 but lacks the supplementary groups extension, so
 * that group is only read from a 7.39 or newer header.
 */
#include <stddef.h> /* offsetof, for FUSE_NAME_OFFSET */
#include <stdint.h>
#include <sys/ioctl.h>

#include "abi-fields.h"

#if HAVE_LINUX_FUSE_H
#include <linux/fuse.h>
#define SYS_MINOR FUSE_KERNEL_MINOR_VERSION
#else
#define SYS_MINOR 0
#endif

#define TOO_OLD(n) ABI_GROUP_MISSING("<linux/fuse.h> is older than 7." #n)

#if SYS_MINOR >= 38
#define SYS_738 ABI_GROUP(738)
#else
#define SYS_738 ABI_GROUP_MISSING("no <linux/fuse.h> of 7.38 or newer")
#endif
#if SYS_MINOR >= 39
#define SYS_SUPP ABI_GROUP(SUPP)
#define SYS_739 ABI_GROUP(739)
#else
#define SYS_SUPP TOO_OLD(39)
#define SYS_739 TOO_OLD(39)
#endif
#if SYS_MINOR >= 40
#define SYS_740 ABI_GROUP(740)
#else
#define SYS_740 TOO_OLD(40)
#endif
#if SYS_MINOR >= 41
#define SYS_741 ABI_GROUP(741)
#else
#define SYS_741 TOO_OLD(41)
#endif
#if SYS_MINOR >= 42
#define SYS_742 ABI_GROUP(742)
#else
#define SYS_742 TOO_OLD(42)
#endif
#if SYS_MINOR >= 43
#define SYS_743 ABI_GROUP(743)
#else
#define SYS_743 TOO_OLD(43)
#endif
#if SYS_MINOR >= 44
#define SYS_744 ABI_GROUP(744)
#else
#define SYS_744 TOO_OLD(44)
#endif
#if SYS_MINOR >= 45
#define SYS_745 ABI_GROUP(745)
#else
#define SYS_745 TOO_OLD(45)
#endif

const struct abi_group abi_sys[ABI_NGROUPS] = {
	[ABI_G738] = SYS_738, [ABI_GSUPP] = SYS_SUPP, [ABI_G739] = SYS_739,
	[ABI_G740] = SYS_740, [ABI_G741] = SYS_741, [ABI_G742] = SYS_742,
	[ABI_G743] = SYS_743, [ABI_G744] = SYS_744, [ABI_G745] = SYS_745,
};
