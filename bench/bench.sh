#!/bin/bash
# fbr's benchmark: the same workloads on the native directory, through
# fbr-mount (with FUSE passthrough, its default as root, and without), and
# through libfuse's passthrough_ll (built here from Debian's libfuse3-dev
# examples), interleaved round by round, best of N.
#
#   bench/bench.sh [-n ROUNDS] [-f FILES] [-s MiB] [-b BUILDDIR] [-o FBR_OPTS]
#                  [-d DIR]
#
# -d puts the source directory under DIR (default /var/tmp): /dev/shm
# takes the disk out, so the figures show the servers rather than the
# journal, which here moves native write figures by a factor of two.
#
# Workloads: fbr-bench-files on FILES small files (create+write 4 KiB, stat,
# readdir, open+read 4 KiB, unlink), then fio: sequential write, sequential
# read (page cache dropped first) and 4 KiB random reads, on one file of
# MiB.  Both FUSE servers run at cache=auto with 1 s timeouts.  Needs root
# (mounts, drop_caches), fio, and libfuse3-dev for passthrough_ll.
set -euo pipefail

rounds=3 files=10000 size=256 fbr_opts=cache=auto base=/var/tmp
src=$(cd "$(dirname "$0")/.." && pwd)
build=$src/build
while getopts n:f:s:b:o:d: opt; do
	case $opt in
	n) rounds=$OPTARG ;; f) files=$OPTARG ;; s) size=$OPTARG ;;
	b) build=$(cd "$OPTARG" && pwd) ;; o) fbr_opts=$OPTARG ;;
	d) base=$OPTARG ;;
	*) exit 2 ;;
	esac
done

work=$(mktemp -d "$base/fbr-bench.XXXXXX")
mnt=$work/mnt
data=$work/data
mkdir -p "$mnt" "$data"
cleanup() { umount "$mnt" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

fbr_mount=$build/tools/fbr-mount/fbr-mount
files_bin=$build/bench/fbr-bench-files
make -s -C "$build" tools/fbr-mount/fbr-mount bench/fbr-bench-files
ll=$work/passthrough_ll
cc -O2 -o "$ll" /usr/share/doc/libfuse3-dev/examples/passthrough_ll.c \
	$(pkg-config --cflags --libs fuse3) 2>/dev/null

# start CONTENDER: mount it over $data and print the directory to use.
start() {
	case $1 in
	native) echo "$data" ;;
	fbr) "$fbr_mount" -o "$fbr_opts" "$data" "$mnt" && echo "$mnt" ;;
	fbr-plain) "$fbr_mount" -o "$fbr_opts,no_passthrough" "$data" "$mnt" &&
		echo "$mnt" ;;
	libfuse) "$ll" -o source="$data",cache=auto,timeout=1 "$mnt" && echo "$mnt" ;;
	esac
}
stop() { [ "$1" = native ] || umount "$mnt"; }

drop_caches() { sync; echo 3 > /proc/sys/vm/drop_caches; }

fio_run() { # iops|bw dir rw bs [fio options...]: print the figure
	local metric=$1 dir=$2 rw=$3 bs=$4
	shift 4
	fio --name=bench --directory="$dir" --filename=bench.dat --rw="$rw" \
		--bs="$bs" --size="${size}M" --ioengine=psync \
		--output-format=json "$@" 2>/dev/null |
		python3 -c 'import json, sys
j = json.load(sys.stdin)["jobs"][0]
r = j["read"] if j["read"]["io_bytes"] else j["write"]
print(r["iops"] if sys.argv[1] == "iops" else r["bw_bytes"] / 1048576)' "$metric"
}

# workload DIR: print "line value" pairs.
workload() {
	local dir=$1
	mkdir -p "$dir/small"
	"$files_bin" "$dir/small" "$files"
	rmdir "$dir/small"
	echo "seqwrite_MiB/s $(fio_run bw "$dir" write 1M --end_fsync=1)"
	drop_caches
	echo "seqread_MiB/s $(fio_run bw "$dir" read 1M)"
	drop_caches
	echo "randread4k_IOPS $(fio_run iops "$dir" randread 4k --runtime=10 --time_based)"
	rm -f "$dir/bench.dat"
}

results=$work/results
contenders=(native fbr fbr-plain libfuse)
for ((r = 1; r <= rounds; r++)); do
	for c in "${contenders[@]}"; do
		dir=$(start "$c")
		while read -r line value; do
			echo "$line $c $value" >>"$results"
			printf 'round %d %-8s %-18s %12.1f\n' "$r" "$c" "$line" "$value" >&2
		done < <(workload "$dir")
		stop "$c"
	done
done

printf '\n%d rounds, %d files, %d MiB, source under %s; fbr-mount -o %s; passthrough_ll cache=auto\n' \
	"$rounds" "$files" "$size" "$base" "$fbr_opts"
python3 - "$results" <<'PY'
import statistics, sys
runs = {}
for l in open(sys.argv[1]):
    line, who, v = l.split()
    runs.setdefault((line, who), []).append(float(v))
order = ["create", "stat", "readdir", "read", "unlink",
         "seqwrite_MiB/s", "seqread_MiB/s", "randread4k_IOPS"]
print("\nmedian (min-max) of each contender; ratios of medians (best in brackets)")
print("fbr-mount: FUSE passthrough (the default as root); plain: -o no_passthrough\n")
print("| line | native | fbr-mount | fbr-mount plain | passthrough_ll "
      "| fbr/ll | plain/ll | fbr/native |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
med = statistics.median
for line in order:
    n, f, p, l = (runs[(line, w)] for w in ("native", "fbr", "fbr-plain", "libfuse"))
    cell = lambda v: "%.0f (%.0f-%.0f)" % (med(v), min(v), max(v))
    ratio = lambda a, b: "%.2f (%.2f)" % (med(a) / med(b), max(a) / max(b))
    print("| %s | %.0f | %s | %s | %s | %s | %s | %s |" % (
        line, med(n), cell(f), cell(p), cell(l), ratio(f, l), ratio(p, l),
        ratio(f, n)))
PY
