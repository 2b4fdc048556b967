#!/bin/bash
# The trace decoder's benchmark: synthesise a trace of N records (default
# 2 million, a LOOKUP/GETATTR/OPEN/READ/WRITE/RELEASE mix) and time
# fbr-trace decoding it to text and to JSON; prints records per second.
#
#   bench/trace-decode.sh [-n RECORDS] [-b BUILDDIR]
set -euo pipefail

n=2000000
src=$(cd "$(dirname "$0")/.." && pwd)
build=$src
while getopts n:b: opt; do
	case $opt in
	n) n=$OPTARG ;; b) build=$(cd "$OPTARG" && pwd) ;; *) exit 2 ;;
	esac
done
make -s -C "$build" tools/fbr-trace/fbr-trace bench/fbr-bench-trace-gen
work=$(mktemp -d /var/tmp/fbr-trace-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
"$build/bench/fbr-bench-trace-gen" "$work/t.trace" "$n" >/dev/null
records=$(( $(stat -c %s "$work/t.trace") > 0 ? n : 0 ))

# run LABEL ARGS...: best of three, in records per second.
run() {
	local label=$1 best=
	shift
	for _ in 1 2 3; do
		local t0 t1 ms
		t0=$(date +%s%N)
		"$build/tools/fbr-trace/fbr-trace" "$@" "$work/t.trace" >/dev/null
		t1=$(date +%s%N)
		ms=$(( (t1 - t0) / 1000000 ))
		[ -z "$best" ] || [ "$ms" -lt "$best" ] && best=$ms
	done
	printf '%-6s %9d records in %6d ms: %9d records/s\n' "$label" \
		"$records" "$best" $(( records * 1000 / (best ? best : 1) ))
}
run text
run json --json
run -c -c
