#!/bin/bash
# fbr's benchmark: the same workloads on the native directory, through
# fbr-mount served by /dev/fuse reads (with FUSE passthrough and without)
# and by FUSE over io_uring (the same two, and with passthrough and -o
# poll=POLL_US), and through libfuse's passthrough_ll (built here from
# Debian's libfuse3-dev examples), interleaved round by round; medians of
# N and bests, and each server's CPU time for the small-file workload.
#
#   bench/bench.sh [-n ROUNDS] [-f FILES] [-s MiB] [-b BUILDDIR] [-o FBR_OPTS]
#                  [-d DIR] [-p CLIENTS] [-P POLL_US]
#
# -d puts the source directory under DIR (default /var/tmp): /dev/shm
# takes the disk out, so the figures show the servers rather than the
# journal, which here moves native write figures by a factor of two.
# -p runs the small-file workload as that many processes at once, each on
# FILES/CLIENTS files of its own, and adds up their rates: where the
# per-CPU queues of FUSE over io_uring should count.
#
# Workloads: fbr-bench-files on FILES small files (create+write 4 KiB, stat,
# readdir, open+read 4 KiB, unlink), then fio: sequential write, sequential
# read (page cache dropped first) and 4 KiB random reads, on one file of
# MiB.  Both FUSE servers run at cache=auto with 1 s timeouts.  Needs root
# (mounts, drop_caches), fio, and libfuse3-dev for passthrough_ll.  The
# fuse module's enable_uring is turned on for the run and put back after;
# a kernel without it runs the /dev/fuse contenders only.
set -euo pipefail

rounds=3 files=10000 size=256 fbr_opts=cache=auto base=/var/tmp clients=1
poll_us=20
src=$(cd "$(dirname "$0")/.." && pwd)
build=$src/build
while getopts n:f:s:b:o:d:p:P: opt; do
	case $opt in
	n) rounds=$OPTARG ;; f) files=$OPTARG ;; s) size=$OPTARG ;;
	b) build=$(cd "$OPTARG" && pwd) ;; o) fbr_opts=$OPTARG ;;
	d) base=$OPTARG ;;
	p) clients=$OPTARG ;;
	P) poll_us=$OPTARG ;;
	*) exit 2 ;;
	esac
done

work=$(mktemp -d "$base/fbr-bench.XXXXXX")
mnt=$work/mnt
data=$work/data
mkdir -p "$mnt" "$data"
uring_param=/sys/module/fuse/parameters/enable_uring
uring_old=
cleanup() {
	umount "$mnt" 2>/dev/null || true
	rm -rf "$work"
	[ -z "$uring_old" ] || echo "$uring_old" >"$uring_param"
}
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
	fbr) "$fbr_mount" -o "$fbr_opts,no_uring" "$data" "$mnt" && echo "$mnt" ;;
	fbr-plain) "$fbr_mount" -o "$fbr_opts,no_passthrough,no_uring" \
		"$data" "$mnt" && echo "$mnt" ;;
	fbr-uring) "$fbr_mount" -o "$fbr_opts,uring" "$data" "$mnt" &&
		echo "$mnt" ;;
	fbr-uring-plain) "$fbr_mount" -o "$fbr_opts,no_passthrough,uring" \
		"$data" "$mnt" && echo "$mnt" ;;
	fbr-poll) "$fbr_mount" -o "$fbr_opts,uring,poll=$poll_us" "$data" "$mnt" &&
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

# The CPU time, in seconds, of the server (pid $server; none: 0) so far.
server_cpu() {
	[ -n "$server" ] || { echo 0; return; }
	awk -v hz="$(getconf CLK_TCK)" '{ print ($14 + $15) / hz }' "/proc/$server/stat"
}

# small DIR: the small-file workload from $clients processes at once;
# print "line value" pairs, the value the sum of their rates, and the
# server's CPU seconds for it.
small() {
	local dir=$1 j pids=() cpu0
	cpu0=$(server_cpu)
	for ((j = 1; j <= clients; j++)); do
		mkdir -p "$dir/small$j"
		"$files_bin" "$dir/small$j" $((files / clients)) >"$work/part$j" &
		pids+=($!)
	done
	for j in "${pids[@]}"; do
		wait "$j"
	done
	paste "$work"/part* |
		awk '{ s = 0; for (i = 2; i <= NF; i += 2) s += $i; print $1, s }'
	[ -z "$server" ] ||
		echo "files_server_cpu_s $(awk "BEGIN { print $(server_cpu) - $cpu0 }")"
	for ((j = 1; j <= clients; j++)); do
		rmdir "$dir/small$j"
		rm "$work/part$j"
	done
}

# workload DIR: print "line value" pairs.
workload() {
	local dir=$1
	small "$dir"
	echo "seqwrite_MiB/s $(fio_run bw "$dir" write 1M --end_fsync=1)"
	drop_caches
	echo "seqread_MiB/s $(fio_run bw "$dir" read 1M)"
	drop_caches
	echo "randread4k_IOPS $(fio_run iops "$dir" randread 4k --runtime=10 --time_based)"
	rm -f "$dir/bench.dat"
}

results=$work/results
contenders=(native fbr fbr-plain libfuse)
if [ -w "$uring_param" ]; then
	uring_old=$(cat "$uring_param")
	echo Y >"$uring_param"
	contenders=(native fbr fbr-uring fbr-poll fbr-plain fbr-uring-plain libfuse)
fi
for ((r = 1; r <= rounds; r++)); do
	for c in "${contenders[@]}"; do
		dir=$(start "$c")
		server=$(pgrep -nf -- " $mnt\$" || true)
		while read -r line value; do
			echo "$line $c $value" >>"$results"
			printf 'round %d %-15s %-18s %12.1f\n' "$r" "$c" "$line" "$value" >&2
		done < <(workload "$dir")
		stop "$c"
	done
done

printf '\n%d rounds, %d files (%d clients), %d MiB, source under %s; fbr-mount -o %s; passthrough_ll cache=auto\n' \
	"$rounds" "$files" "$clients" "$size" "$base" "$fbr_opts"
python3 - "$results" "$poll_us" <<'PY'
import statistics, sys
runs = {}
for l in open(sys.argv[1]):
    line, who, v = l.split()
    runs.setdefault((line, who), []).append(float(v))
order = ["create", "stat", "readdir", "read", "unlink",
         "seqwrite_MiB/s", "seqread_MiB/s", "randread4k_IOPS",
         "files_server_cpu_s"]
names = {"native": "native", "fbr": "fbr", "fbr-uring": "fbr uring",
         "fbr-poll": "fbr uring poll",
         "fbr-plain": "fbr plain", "fbr-uring-plain": "fbr uring plain",
         "libfuse": "passthrough_ll"}
who = [w for w in names if any(k[1] == w for k in runs)]
med = statistics.median
fmt = lambda x: "%.2f" % x if x < 100 else "%.0f" % x
cell = lambda v: "%s (%s-%s)" % (fmt(med(v)), fmt(min(v)), fmt(max(v)))
ratio = lambda a, b: "%.2f" % (med(a) / med(b))
best = lambda a, b: "%.2f" % (max(a) / max(b))
print("\nmedian (min-max) of each contender; ratios of medians")
print("fbr: FUSE passthrough (the default as root); plain: -o no_passthrough;")
print("uring: FUSE over io_uring, else /dev/fuse reads (-o no_uring);")
print("poll: -o uring,poll=%s; files_server_cpu_s: the server's CPU time"
      " for the small-file workload\n" % sys.argv[2])
print("| line | " + " | ".join(names[w] for w in who) + " |")
print("|---|" + "---:|" * len(who))
get = lambda line, w: runs.get((line, w), [float("nan")])
for line in order:
    print("| %s | %s |" % (line, " | ".join(
        "%.0f" % med(get(line, w)) if w == "native" else
        cell(get(line, w)) for w in who)))
pairs = [("fbr-uring", "fbr"), ("fbr-uring-plain", "fbr-plain"),
         ("fbr", "libfuse"), ("fbr-uring", "libfuse"),
         ("fbr-poll", "libfuse"), ("fbr", "native"), ("fbr-uring", "native")]
pairs = [p for p in pairs if p[0] in who and p[1] in who]
print("\nratios of medians (of bests in brackets; for CPU, lower is less)\n")
print("| line | " + " | ".join("%s / %s" % (names[a], names[b])
                                   for a, b in pairs) + " |")
print("|---|" + "---:|" * len(pairs))
for line in order:
    if line == "files_server_cpu_s":
        cells = [ratio(get(line, a), get(line, b)) if "native" not in (a, b)
                 else "" for a, b in pairs]
    else:
        cells = ["%s (%s)" % (ratio(get(line, a), get(line, b)),
                              best(get(line, a), get(line, b)))
                 for a, b in pairs]
    print("| %s | %s |" % (line, " | ".join(cells)))
PY
