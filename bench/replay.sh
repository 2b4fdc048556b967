#!/bin/bash
# The dispatcher's own cost, without the kernel: fbr-replay --bench on a
# LOOKUP and GETATTR trace against a plain program making the same system
# calls directly (fbr-bench-replay-syscalls: fstatat per LOOKUP, fstat per
# GETATTR), both reading and decoding the same trace, interleaved run by
# run; then, for the record, the plain program making the calls the
# passthrough driver makes (-d: openat, statx and close per LOOKUP, statx
# per GETATTR).  Each runs on the same CPU (taskset), and is measured both
# in wall time and in CPU time: on a machine others use too, the CPU time
# a program took is what it cost, the wall time also what the others did.
# Prints the median of each, its spread, and the ratios of the medians
# and of the best runs (noise only ever slows a run down).
#
#   bench/replay.sh [-n RUNS] [-d DIRS] [-f FILES] [-r ROUNDS]
#                   [-o MOUNT_OPTS] [-b BUILDDIR] [-w WORKDIR]
#
# The trace is recorded on fbr-mount from a tree of DIRS x FILES files,
# each stat(2)ed ROUNDS times.  The default options (entry_timeout=600,
# attr_timeout=0) make the kernel keep names and ask for attributes: one
# LOOKUP per file, then a GETATTR per stat.  -o cache=never makes it
# LOOKUP every name of every path as well.  Needs root and /dev/fuse.
set -euo pipefail

runs=9 dirs=4 files=500 rounds=40 opts=entry_timeout=600,attr_timeout=0
src=$(cd "$(dirname "$0")/.." && pwd)
build=$src/build
base=/var/tmp
while getopts n:d:f:r:o:b:w: opt; do
	case $opt in
	n) runs=$OPTARG ;; d) dirs=$OPTARG ;; f) files=$OPTARG ;;
	r) rounds=$OPTARG ;; o) opts=$OPTARG ;; b) build=$(cd "$OPTARG" && pwd) ;;
	w) base=$OPTARG ;; *) exit 2 ;;
	esac
done

make -s -C "$build" tools/fbr-replay/fbr-replay tools/fbr-mount/fbr-mount \
	bench/fbr-bench-replay-syscalls
replay=$build/tools/fbr-replay/fbr-replay
plain=$build/bench/fbr-bench-replay-syscalls
work=$(mktemp -d "$base/fbr-replay-bench.XXXXXX")
cleanup() { umount "$work/mnt" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
mkdir "$work/src" "$work/mnt" "$work/plain"

# The tree, archived for the replay and unpacked for the plain program.
for d in $(seq 1 "$dirs"); do
	mkdir "$work/src/d$d"
	for f in $(seq 1 "$files"); do : >"$work/src/d$d/f$f"; done
done
(cd "$work/src" && find . -type f) >"$work/list"
tar -czf "$work/tree.tar.gz" -C "$work/src" .
tar -xzf "$work/tree.tar.gz" -C "$work/plain"

# The recording: each file stat(2)ed, ROUNDS times over, by the shell's
# test (stat(1) would call statx(2), which the kernel sends as STATX).
mount_opts=(-f --threads 1 -o "$opts" --trace "$work/t.fbrt")
"$build/tools/fbr-mount/fbr-mount" --help | grep -q -- --no-passthrough &&
	mount_opts+=(--no-passthrough)
"$build/tools/fbr-mount/fbr-mount" "${mount_opts[@]}" "$work/src" "$work/mnt" &
mounter=$!
until findmnt -rn --mountpoint "$work/mnt" >/dev/null; do sleep 0.05; done
(
	cd "$work/mnt"
	for _ in $(seq 1 "$rounds"); do
		while read -r f; do [ -e "$f" ]; done <"$work/list"
	done
)
umount "$work/mnt"
wait "$mounter"
"$build/tools/fbr-trace/fbr-trace" -c "$work/t.fbrt" |
	awk 'NR == 1 || /^(LOOKUP|GETATTR|total) /'

# rates PROGRAM ARGS...: its requests per second of wall time and of CPU
# time, from its first line ("... R requests/s (... C requests per CPU ...").
pin=()
command -v taskset >/dev/null && pin=(taskset -c 0)
rates() {
	"${pin[@]}" "$@" 2>/dev/null |
		sed -n '1s/.*: \([0-9]*\) requests\/s.*: \([0-9]*\) requests per CPU.*/\1 \2/p'
}

# Round by round, each contender in turn goes first: the one after
# another finds the caches as that one left them.
orders=("replay plain driver" "plain driver replay" "driver replay plain")
walls=() cpus=()
for i in $(seq 1 "$runs"); do
	for who in ${orders[$((i % 3))]}; do
		case $who in
		replay) set -- "$replay" --bench -o "$opts" \
				--tree "$work/tree.tar.gz" "$work/t.fbrt" ;;
		plain) set -- "$plain" "$work/plain" "$work/t.fbrt" ;;
		driver) set -- "$plain" -d "$work/plain" "$work/t.fbrt" ;;
		esac
		read -r w c < <(rates "$@")
		walls+=("$who $w") cpus+=("$who $c")
	done
done

# of WHO LIST...: the figures of one contender.
of() {
	local who=$1
	shift
	printf '%s\n' "$@" | awk -v w="$who" '$1 == w { print $2 }' | sort -n
}
# Of sorted figures on stdin: "median (min..max)", the median, the best.
summary() {
	awk '{ v[NR] = $1 } END { printf "%d (%d..%d)\n", v[int((NR + 1) / 2)], v[1], v[NR] }'
}
median() {
	awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}
best() {
	tail -1
}

for kind in wall cpu; do
	if [ $kind = wall ]; then list=("${walls[@]}"); unit="requests/s";
	else list=("${cpus[@]}"); unit="requests per CPU second"; fi
	echo "$kind time, $unit, median (min..max) of $runs runs:"
	printf '  %-34s %s\n' "fbr-replay --bench" "$(of replay "${list[@]}" | summary)"
	printf '  %-34s %s\n' "plain: fstatat and fstat" "$(of plain "${list[@]}" | summary)"
	printf '  %-34s %s\n' "plain: the driver's calls (-d)" "$(of driver "${list[@]}" | summary)"
	for pick in median best; do
		awk -v r="$(of replay "${list[@]}" | $pick)" \
		    -v p="$(of plain "${list[@]}" | $pick)" \
		    -v d="$(of driver "${list[@]}" | $pick)" -v pick=$pick 'BEGIN {
			printf "  fbr-replay, %-6s: %.0f%% of fstatat and fstat, %.0f%% of the driver'"'"'s calls\n",
				pick, 100 * r / p, 100 * r / d
		}'
	done
done
