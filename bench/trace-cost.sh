#!/bin/bash
# What recording costs: fbr-mount with and without --trace, interleaved
# round by round, on the small-file workload of fbr-bench-files (source on
# tmpfs so the disk does not blur it; the trace goes to /var/tmp, a disk,
# or to -t DIR).
#   bench/trace-cost.sh [-n ROUNDS] [-f FILES] [-b BUILDDIR] [-t DIR]
set -euo pipefail

rounds=5 files=5000 tdir=/var/tmp
build=$(cd "$(dirname "$0")/.." && pwd)/build
while getopts n:f:b:t: opt; do
	case $opt in
	n) rounds=$OPTARG ;; f) files=$OPTARG ;; b) build=$(cd "$OPTARG" && pwd) ;;
	t) tdir=$OPTARG ;;
	*) exit 2 ;;
	esac
done
work=$(mktemp -d /dev/shm/fbr-trace-cost.XXXXXX)
trace=$(mktemp "$tdir/fbr-trace-cost.XXXXXX")
cleanup() { umount "$work/mnt" 2>/dev/null || true; rm -rf "$work" "$trace"; }
trap cleanup EXIT
mkdir "$work/src" "$work/mnt"
make -s -C "$build" tools/fbr-mount/fbr-mount bench/fbr-bench-files

for ((r = 1; r <= rounds; r++)); do
	for mode in plain trace; do
		args=()
		[ "$mode" = trace ] && args=(--trace "$trace")
		"$build/tools/fbr-mount/fbr-mount" "${args[@]}" "$work/src" "$work/mnt"
		mkdir "$work/mnt/d"
		"$build/bench/fbr-bench-files" "$work/mnt/d" "$files" | sed "s/^/$mode /"
		rmdir "$work/mnt/d"
		umount "$work/mnt"
	done
done >"$work/results"

python3 - "$work/results" <<'PY'
import math, statistics, sys
runs = {}
for l in open(sys.argv[1]):
    mode, line, v = l.split()
    runs.setdefault((line, mode), []).append(float(v))
ratios, bests = [], []
print("| line | without --trace, median | with --trace, median | ratio of medians | ratio of bests |")
print("|---|---:|---:|---:|---:|")
for line in ["create", "stat", "readdir", "read", "unlink"]:
    p, t = runs[(line, "plain")], runs[(line, "trace")]
    r = statistics.median(t) / statistics.median(p)
    ratios.append(r)
    bests.append(max(t) / max(p))
    print("| %s | %.0f | %.0f | %.2f | %.2f |" % (line, statistics.median(p),
          statistics.median(t), r, max(t) / max(p)))
gmean = lambda v: math.exp(sum(map(math.log, v)) / len(v))
print("\ngeometric mean of the ratios of medians: %.3f, of bests: %.3f" %
      (gmean(ratios), gmean(bests)))
PY
