#!/bin/bash
# What fbr-mount holds for a big tree: FILES files (in directories of
# 1 000) walked through the mount twice, the kernel made to forget them
# (drop_caches) after each walk.  Prints the server's inode count (its
# SIGUSR1 report) and resident memory (VmRSS) idle, after each walk and
# after each forgetting, and how much the second walk grew memory over the
# first.
#
#   bench/memory.sh [-f FILES] [-b BUILDDIR] [-d DIR]
#
# Needs root (mount, drop_caches).
set -euo pipefail

files=100000 base=/var/tmp
build=$(cd "$(dirname "$0")/.." && pwd)/build
while getopts f:b:d: opt; do
	case $opt in
	f) files=$OPTARG ;; b) build=$(cd "$OPTARG" && pwd) ;; d) base=$OPTARG ;;
	*) exit 2 ;;
	esac
done
work=$(mktemp -d "$base/fbr-memory.XXXXXX")
pid=
cleanup() {
	umount "$work/mnt" 2>/dev/null || true
	[ -z "$pid" ] || wait "$pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
mkdir "$work/src" "$work/mnt"
make -s -C "$build" tools/fbr-mount/fbr-mount

echo "creating $files files..." >&2
for ((d = 0; d * 1000 < files; d++)); do
	mkdir "$work/src/d$d"
	n=$((files - d * 1000 < 1000 ? files - d * 1000 : 1000))
	(cd "$work/src/d$d" && seq -f 'f%g' "$n" | xargs touch)
done

"$build/tools/fbr-mount/fbr-mount" -f --stats-file "$work/stats" \
	"$work/src" "$work/mnt" &
pid=$!
for _ in $(seq 100); do mountpoint -q "$work/mnt" && break; sleep 0.1; done

inodes() {
	rm -f "$work/stats"
	kill -USR1 "$pid"
	for _ in $(seq 100); do [ -s "$work/stats" ] && break; sleep 0.05; done
	sed -n 's/^inodes: //p' "$work/stats"
}
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status"; }
walk() { find "$work/mnt" -type f -printf '%s\n' | wc -l >/dev/null; }

# Forget: until the inode count stops falling (at most 30 s).
forget() {
	local last=-1 now
	for _ in $(seq 60); do
		sync
		echo 2 >/proc/sys/vm/drop_caches
		sleep 0.5
		now=$(inodes)
		[ "$now" = "$last" ] && break
		last=$now
	done
}

row() { printf '| %s | %s | %s |\n' "$1" "$(inodes)" "$(rss)"; }

echo "| state | server inodes | VmRSS (kB) |"
echo "|---|---:|---:|"
row idle
walk
row "after walk 1"
rss1=$(rss)
forget
row "forgotten"
walk
row "after walk 2"
rss2=$(rss)
forget
row "forgotten again"
awk -v a="$rss1" -v b="$rss2" -v n="$files" 'BEGIN {
	printf "\n%d files; walk 2 grew resident memory by %.1f%% over walk 1\n",
		n, (b - a) * 100 / a }'
