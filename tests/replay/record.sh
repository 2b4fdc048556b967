#!/bin/bash
# Record workloads on fbr-mount into traces fbr-replay can replay exactly.
#
#   tests/replay/record.sh [-m FBR_MOUNT] [-o OUTDIR] NAME...
#
# For each NAME, workloads/NAME.sh runs in the mount (one worker thread,
# so the order is the order the workload made its requests in; no FUSE
# passthrough, so every read and write is in the trace) with the mount
# options of workloads/NAME.opts, if there is one; the trace is
# OUTDIR/NAME.fbrt.  When workloads/NAME.init.sh exists, it first fills
# the source directory, which is archived as OUTDIR/NAME.tar.gz: the
# initial tree to replay on (fbr-replay --tree).  Needs root and
# /dev/fuse.  OUTDIR defaults to tests/replay/traces, which is where the
# traces make check replays live: run this again after a change that
# means to change the replies, and commit the result.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
mount_bin=$here/../../build/tools/fbr-mount/fbr-mount
out=$here/traces
while getopts m:o: opt; do
	case $opt in
	m) mount_bin=$OPTARG ;; o) out=$OPTARG ;; *) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || { echo "usage: $0 [-m FBR_MOUNT] [-o OUTDIR] NAME..." >&2; exit 2; }

# wait_for SECONDS COMMAND...: poll every 50 ms.
wait_for() {
	local tries=$(($1 * 20))
	shift
	until "$@"; do
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || return 1
		sleep 0.05
	done
}

mounted() { findmnt -rn --mountpoint "$1" >/dev/null; }
gone() { ! kill -0 "$1" 2>/dev/null; }

record() {
	local name=$1 work src mnt opts=() pid
	work=$(mktemp -d)
	src=$work/src mnt=$work/mnt
	mkdir "$src" "$mnt"
	if [ -f "$here/workloads/$name.init.sh" ]; then
		(cd "$src" && sh "$here/workloads/$name.init.sh")
		tar --numeric-owner --xattrs -czf "$out/$name.tar.gz" -C "$src" .
	fi
	[ -f "$here/workloads/$name.opts" ] &&
		opts=(-o "$(cat "$here/workloads/$name.opts")")
	# An fbr-mount older than FUSE passthrough has no such option.
	"$mount_bin" --help | grep -q -- --no-passthrough &&
		opts+=(--no-passthrough)
	"$mount_bin" -f --threads 1 "${opts[@]}" --trace "$out/$name.fbrt" \
		"$src" "$mnt" 3>&- &
	pid=$!
	wait_for 30 mounted "$mnt"
	(cd "$mnt" && sh -e "$here/workloads/$name.sh" >/dev/null)
	umount "$mnt"
	wait_for 30 gone "$pid"
	wait "$pid"
	rm -rf "$work"
}

mkdir -p "$out"
for name in "$@"; do
	record "$name"
done
