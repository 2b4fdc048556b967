#!/bin/sh
# Writes tests/unit/abi-vmlinux.h for abi-btf.c: the running kernel's BTF
# dumped as C by bpftool, followed by ABI_BTF_LACKS_<group> "why" for each
# group of tests/unit/abi-fields.h the BTF does not hold.  When there is no
# usable BTF (no bpftool, no /sys/kernel/btf, no FUSE types, or a dump that
# does not compile) every group is marked lacking with that reason, so the
# test skips instead of failing.
# Usage: abi-vmlinux.sh OUT abi-btf.c CC [CFLAGS...]
# Environment: BPFTOOL, ABI_BTF_FILE override the tool and the BTF file.
set -u
out=$1 src=$2
shift 2
groups='738 SUPP 739 740 742 743 744 745'
tmp=$(mktemp -d "${TMPDIR:-/tmp}/abi-btf.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
h=$tmp/abi-vmlinux.h

# Everything lacking: one reason for all groups.
stub() {
	why=$(printf '%s' "$1" | tr -d '"\\' | tr '\n' ' ' | cut -c1-200)
	{
		printf '/* No usable kernel BTF: %s */\n' "$why"
		for g in $groups; do
			printf '#define ABI_BTF_LACKS_%s "%s"\n' "$g" "$why"
		done
	} >"$out.tmp" && mv "$out.tmp" "$out"
	exit
}

find_bpftool() {
	for b in "${BPFTOOL:-}" bpftool /usr/sbin/bpftool /sbin/bpftool; do
		[ -n "$b" ] && command -v "$b" >/dev/null 2>&1 && { echo "$b"; return; }
	done
}

# The BTF holding FUSE: the fuse module's when it is one, else vmlinux.
find_btf() {
	if [ -n "${ABI_BTF_FILE:-}" ]; then
		echo "$ABI_BTF_FILE"
	elif [ -r /sys/kernel/btf/fuse ]; then
		echo /sys/kernel/btf/fuse
	else
		echo /sys/kernel/btf/vmlinux
	fi
}

has_struct() { grep -q "^struct $1 {" "$h"; }
has_enum() { grep -q "^enum $1 {" "$h"; }
has_const() { grep -q "^	$1 = " "$h"; }
has_field() { # struct field
	awk -v s="struct $1 {" '$0 == s { on = 1 } on; on && /^};/ { exit }' "$h" |
		grep -q " $2;\$"
}

# need GROUP KIND:NAME...: mark GROUP lacking at the first NAME not there.
need() {
	g=$1
	shift
	for item; do
		kind=${item%%:*} name=${item#*:}
		case $kind in
		field) has_field "${name%.*}" "${name#*.}" && continue
			name="field ${name%.*}.${name#*.}" ;;
		const) has_const "$name" && continue ;;
		*) "has_$kind" "$name" && continue
			name="$kind $name" ;;
		esac
		printf '#define ABI_BTF_LACKS_%s "kernel BTF has no %s"\n' "$g" "$name"
		return
	done
}

bpftool=$(find_bpftool)
[ -n "$bpftool" ] || stub "bpftool not found (Debian package bpftool)"
btf=$(find_btf)
[ -r "$btf" ] || stub "no readable $btf (kernel without CONFIG_DEBUG_INFO_BTF?)"
"$bpftool" btf dump file "$btf" format c >"$h" 2>"$tmp/err" ||
	stub "bpftool btf dump $btf failed: $(head -n 1 "$tmp/err")"
has_struct fuse_in_header || stub "$btf has no FUSE types (fuse not loaded?)"

{
	echo
	echo "/* Added by abi-vmlinux.sh: the groups this BTF lacks. */"
	need 738 enum:fuse_opcode enum:fuse_notify_code enum:fuse_ext_type
	need SUPP struct:fuse_supp_groups const:FUSE_EXT_GROUPS
	need 739 struct:fuse_sx_time struct:fuse_statx struct:fuse_statx_in \
		struct:fuse_statx_out const:FUSE_STATX
	need 740 struct:fuse_backing_map field:fuse_open_out.backing_id \
		field:fuse_init_out.max_stack_depth const:FUSE_NOTIFY_RESEND
	need 742 struct:fuse_uring_ent_in_out struct:fuse_uring_req_header \
		struct:fuse_uring_cmd_req const:FUSE_IO_URING_CMD_REGISTER
	need 743 field:fuse_init_out.request_timeout
	need 744 const:FUSE_NOTIFY_INC_EPOCH
	need 745 struct:fuse_notify_prune_out struct:fuse_copy_file_range_out \
		const:FUSE_COPY_FILE_RANGE_64 const:FUSE_NOTIFY_PRUNE
} >>"$h"

"$@" -w -fsyntax-only -I"$tmp" "$src" >"$tmp/err" 2>&1 ||
	stub "the header dumped from $btf does not compile: $(grep -m 1 error "$tmp/err" | sed "s|^$tmp/||")"
mv "$h" "$out.tmp" && mv "$out.tmp" "$out"
