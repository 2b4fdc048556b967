#!/usr/bin/env bats
# fbr-replay: the traces of tests/replay/traces (recorded from the scripted
# workloads of tests/replay/workloads by tests/replay/record.sh) replay
# with no divergence, one at a time and on threads; the same traces
# against drivers with a fault each (the test build fbr-replay-faulty)
# diverge with a report that names the fault; damaged and hostile traces
# are refused with exit 2; and the modes (--bench, --pace, --strict,
# --keep-going, the progress line) do what they say.

bats_require_minimum_version 1.5.0
load helpers

REPLAY="$top_builddir/tools/fbr-replay/fbr-replay"
FAULTY="$top_builddir/tests/replay/fbr-replay-faulty"
TRACES="$top_srcdir/tests/replay/traces"
WORKLOADS="$top_srcdir/tests/replay/workloads"

setup() {
	[ -x "$REPLAY" ] || skip "fbr-replay is not built"
	export TMPDIR="$BATS_TEST_TMPDIR"
	# A sanitizer's finding must not pass for a divergence (exit 1).
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=99"
	export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}exitcode=98"
}

teardown() {
	teardown_mounts
}

# The traces were recorded as root: their owners are root's, which only
# a replay as root reproduces.
need_root() {
	[ "$(id -u)" -eq 0 ] || skip "the recorded traces are root's: replaying them compares owners"
}

# replay_args NAME: the options trace NAME replays with, as recorded.
replay_args() {
	args=()
	[ -f "$WORKLOADS/$1.opts" ] && args+=(-o "$(cat "$WORKLOADS/$1.opts")")
	[ -f "$TRACES/$1.tar.gz" ] && args+=(--tree "$TRACES/$1.tar.gz")
	args+=("$TRACES/$1.fbrt")
}

# faulty FAULT NAME: replay trace NAME with a fault; the report in $output.
faulty() {
	need_root
	replay_args "$2"
	run -1 --separate-stderr "$FAULTY" -d "fault-$1" "${args[@]}"
	[ -z "$stderr" ]
	[[ "${lines[-1]}" == *": "*" requests replayed, 1 diverged" ]]
}

@test "every recorded trace replays with no divergence" {
	need_root
	for t in "$TRACES"/*.fbrt; do
		name=$(basename "$t" .fbrt)
		replay_args "$name"
		run -0 --separate-stderr "$REPLAY" "${args[@]}"
		[ -z "$stderr" ]
		[[ "$output" == "$t: "*" requests replayed, 0 diverged"* ]] ||
			{ echo "$name: $output"; false; }
	done
}

@test "--threads 3: every recorded trace replays with no divergence" {
	need_root
	for t in "$TRACES"/*.fbrt; do
		replay_args "$(basename "$t" .fbrt)"
		run -0 "$REPLAY" --threads 3 "${args[@]}"
	done
}

@test "a workload recorded now on fbr-mount replays with no divergence" {
	need_fuse
	"$top_srcdir/tests/replay/record.sh" -m "$FBR_MOUNT" \
		-o "$BATS_TEST_TMPDIR" basic tree
	run -0 "$REPLAY" -o attr_timeout=0 "$BATS_TEST_TMPDIR/basic.fbrt"
	run -0 "$REPLAY" --tree "$BATS_TEST_TMPDIR/tree.tar.gz" \
		"$BATS_TEST_TMPDIR/tree.fbrt"
}

@test "a SETLKW the recording shows interrupted is interrupted in the replay" {
	need_root
	run -0 "$top_builddir/tools/fbr-trace/fbr-trace" -e SETLKW "$TRACES/locks.fbrt"
	[[ "$output" == *"kind=flock) = EINTR"* ]]
	# Replayed in the order of the replies, the SETLKW comes while the
	# lock is still held: it waits, until interrupted as the kernel did.
	run -0 "$REPLAY" "$TRACES/locks.fbrt"
	[[ "$output" == *" 0 diverged; 1 not replayed"* ]]
}

@test "the test build replays clean with the plain passthrough driver" {
	need_root
	[ -x "$FAULTY" ] || skip "fbr-replay-faulty is not built"
	replay_args basic
	run -0 "$FAULTY" -d passthrough "${args[@]}"
}

@test "fault: a wrong errno is caught at its request" {
	faulty errno basic
	[[ "$output" == *'>>> '*' RMDIR('*'name="sub") = ENOTEMPTY'* ]]
	grep -Eq '^  \* error +ENOTEMPTY +EEXIST$' <<<"$output"
}

@test "fault: a wrong size is caught, the field marked" {
	faulty size basic
	[[ "$output" == *'>>> '*' GETATTR('* ]]
	re='  \* attr\.size +([0-9]+) +([0-9]+)'$'\n'
	[[ "$output" =~ $re ]]
	[ "${BASH_REMATCH[2]}" -eq $((BASH_REMATCH[1] + 1)) ]
	# Masked fields are shown, not counted: times differ, marked ~.
	grep -Eq '^  ~ attr\.mtime .*\(masked\)$' <<<"$output"
}

@test "fault: a lost directory entry is caught as a missing name" {
	faulty dirent bigdir
	[[ "$output" == *'>>> '*' READDIR'* ]]
	grep -Eq '^    listing: "n[0-9]+" \(type 8\) is missing$' <<<"$output"
}

@test "fault: corrupted read data is caught, byte and bytes shown" {
	faulty data basic
	[[ "$output" == *'>>> '*' READ('* ]]
	[[ "$output" == *"data: 6 bytes expected, 6 came; the first difference is at byte 0"* ]]
	[[ "$output" == *"|hello.|"* && "$output" == *"|Hello.|"* ]]
}

@test "fault: a leaked lookup count is caught at the FORGET" {
	faulty forget tree
	[[ "$output" == *'>>> '*' FORGET('* || "$output" == *'>>> '*' BATCH_FORGET('* ]]
	[[ "$output" =~ "lookup counts: the driver holds lookups on "([0-9]+)" nodeids, the recording's kernel on "([0-9]+) ]]
	[ "${BASH_REMATCH[1]}" -eq $((BASH_REMATCH[2] + 1)) ]
}

@test "faults are caught on threads too" {
	need_root
	for f in errno size data; do
		replay_args basic
		run -1 "$FAULTY" -q -j 3 -d "fault-$f" "${args[@]}"
	done
	replay_args bigdir
	run -1 "$FAULTY" -q -j 3 -d fault-dirent "${args[@]}"
}

@test "the first divergence only, or each with --keep-going; -q: none" {
	need_root
	replay_args basic
	run -1 "$FAULTY" -d fault-size "${args[@]}"
	[ "$(grep -c '^--- ' <<<"$output")" -eq 1 ]
	run -1 "$FAULTY" -d fault-size --keep-going "${args[@]}"
	n=$(grep -c '^--- ' <<<"$output")
	[ "$n" -gt 1 ]
	[[ "${lines[-1]}" == *" $n diverged" ]]
	run -1 --separate-stderr "$FAULTY" -q -d fault-size "${args[@]}"
	[ -z "$output" ] && [ -z "$stderr" ]
}

@test "the requests before a divergence are shown: --context" {
	need_root
	replay_args basic
	run -1 "$FAULTY" -d fault-errno --context 3 "${args[@]}"
	block=$(sed -n '/^---/,/^>>>/p' <<<"$output")
	[ "$(grep -c '^    [0-9.]* \[0\] #' <<<"$block")" -eq 3 ]
	run -1 "$FAULTY" -d fault-errno -C 0 "${args[@]}"
	[[ "${lines[1]}" == ">>> "* ]]
}

@test "--strict compares the masked fields too" {
	need_root
	replay_args tree
	run -1 "$REPLAY" --strict "${args[@]}"
	grep -Eq '^  \* attr\.ino ' <<<"$output"
}

@test "a trace recorded with -o xattr differs when replayed without it" {
	need_root
	run -1 "$REPLAY" "$TRACES/xattr.fbrt"
	[[ "$output" == *'>>> '*' SETXATTR('* ]]
	grep -Eq '^  \* error +0 +ENOSYS$' <<<"$output"
}

@test "--tree takes a directory as well as an archive" {
	need_root
	mkdir "$BATS_TEST_TMPDIR/tree"
	tar -xzf "$TRACES/tree.tar.gz" -C "$BATS_TEST_TMPDIR/tree"
	run -0 "$REPLAY" --tree "$BATS_TEST_TMPDIR/tree" "$TRACES/tree.fbrt"
	# A copy was replayed on: the directory given is as it was.
	[ "$(cat "$BATS_TEST_TMPDIR/tree/a/one")" = one ]
}

@test "--root replays in place; --keep-root keeps the scratch tree" {
	need_root
	root="$BATS_TEST_TMPDIR/root"
	mkdir -m 755 "$root"
	tar -xzf "$TRACES/tree.tar.gz" -C "$root"
	run -0 "$REPLAY" --root "$root" "$TRACES/tree.fbrt"
	[ "$(cat "$root/a/one")" = "$(printf 'one\nthree')" ]
	[ -d "$root/a/moved" ] && [ ! -e "$root/a/b" ]
	run -0 --separate-stderr "$REPLAY" --keep-root --tree "$TRACES/tree.tar.gz" \
		"$TRACES/tree.fbrt"
	[[ "$stderr" =~ "fbr-replay: the replay left its tree in '"([^\']+)"'" ]]
	kept=${BASH_REMATCH[1]}
	[ -d "$kept/a/moved" ]
	rm -rf "$kept"
	# Without it, nothing is left behind.
	run -0 "$REPLAY" --tree "$TRACES/tree.tar.gz" "$TRACES/tree.fbrt"
	[ -z "$(find "$BATS_TEST_TMPDIR" -maxdepth 1 -name 'fbr-replay.*')" ]
}

@test "--bench: requests per second and latency per opcode" {
	need_root
	replay_args bigdir
	run -0 "$REPLAY" --bench "${args[@]}"
	re='^[0-9]+ requests in [0-9.]+ s: [0-9]+ requests/s \([0-9.]+ s of CPU: [0-9]+ requests per CPU second\)$'
	[[ "${lines[0]}" =~ $re ]]
	[[ "${lines[1]}" == "opcode "*"p50(us)"*"p99(us)"* ]]
	[[ "$output" == *$'\nUNLINK '* ]]
	replay_args basic
	run -1 "$FAULTY" --bench -d fault-errno "${args[@]}"
	[[ "${lines[-1]}" == "1 replies differed from the recording in their error"* ]]
}

# Seconds since the epoch, to the millisecond.
now() {
	date +%s.%N | cut -c1-14
}

@test "--pace keeps the recorded timing, or a multiple of it" {
	need_root
	replay_args basic
	# The last request of the trace, in seconds from its start.
	span=$("$top_builddir/tools/fbr-trace/fbr-trace" "$TRACES/basic.fbrt" |
		tail -1 | cut -d' ' -f1)
	t0=$(now)
	run -0 "$REPLAY" --pace x0.25 "${args[@]}"
	t1=$(now)
	# At a quarter of the speed it takes four times as long at least
	# (a lower bound only: a loaded machine is slower, never faster).
	awk -v a="$t0" -v b="$t1" -v s="$span" 'BEGIN { exit !(b - a >= 4 * s * 0.9) }'
	run -0 "$REPLAY" --pace original "${args[@]}"
	run -2 "$REPLAY" --pace x0 "${args[@]}"
	run -2 "$REPLAY" --pace fast "${args[@]}"
}

@test "progress on a terminal, none when stderr is not one" {
	need_root
	command -v script >/dev/null || skip "no script(1)"
	replay_args basic
	run -0 script -qec "$(printf '%q ' "$REPLAY" --pace x0.1 "${args[@]}")" /dev/null
	[[ "$output" =~ "fbr-replay: "[0-9]+" requests, "[0-9]+"/s, "[0-9]+"%, "[0-9]+:[0-9]{2}" left" ]]
	run -0 --separate-stderr "$REPLAY" --pace x0.1 "${args[@]}"
	[ -z "$stderr" ]
	[[ "$output" != *$'\r'* ]]
}

# The 4-byte little-endian number at byte $2 of file $1, and writing one.
u32_at() {
	od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '
}

put_u32() {
	printf "$(printf '\\%03o\\%03o\\%03o\\%03o' $(($3 & 255)) $(($3 >> 8 & 255)) \
		$(($3 >> 16 & 255)) $(($3 >> 24 & 255)))" |
		dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

@test "bad traces: exit 2 and what is wrong, never a crash" {
	t="$BATS_TEST_TMPDIR/t.fbrt"
	run -2 --separate-stderr "$REPLAY" "$BATS_TEST_TMPDIR/none"
	[ "$stderr" = "fbr-replay: cannot open '$BATS_TEST_TMPDIR/none': No such file or directory" ]
	head -c 200 /dev/urandom >"$t"
	run -2 --separate-stderr "$REPLAY" "$t"
	[ "$stderr" = "fbr-replay: cannot read '$t': not an fbr trace file" ]
	need_root
	# Cut in the middle of a record: what came before is replayed.
	head -c 20000 "$TRACES/basic.fbrt" >"$t"
	run -2 --separate-stderr "$REPLAY" -o attr_timeout=0 "$t"
	[[ "$stderr" == "fbr-replay: $t: damaged at byte "*": the file ends in the middle of a record; the requests before it were replayed" ]]
	[[ "$output" == "$t: "*" requests replayed, 0 diverged" ]]
	# A record length beyond any record (a hostile length).
	cp "$TRACES/basic.fbrt" "$t"
	second=$((80 + $(u32_at "$t" 80)))
	put_u32 "$t" "$second" 4294967288
	run -2 --separate-stderr "$REPLAY" "$t"
	[[ "$stderr" == *"damaged at byte $second: a record header makes no sense"* ]]
}

@test "bad traces: a trace that does not begin with INIT, a cut request" {
	need_root
	t="$BATS_TEST_TMPDIR/t.fbrt"
	src="$TRACES/basic.fbrt"
	# The header, then the records after INIT's request and reply.
	first=$(u32_at "$src" 80)
	second=$(u32_at "$src" $((80 + first)))
	{ head -c 80 "$src"; tail -c +$((81 + first + second)) "$src"; } >"$t"
	run -2 --separate-stderr "$REPLAY" "$t"
	[[ "$stderr" == "fbr-replay: $t: the trace does not begin with INIT"* ]]
	# A request cut short by a snap length: its origlen says more.
	cp "$src" "$t"
	third=$((80 + first + second))
	put_u32 "$t" $((third + 24)) $(($(u32_at "$t" $((third + 20))) + 8))
	run -2 --separate-stderr "$REPLAY" "$t"
	[[ "$stderr" == *"the request at byte $third is cut short (a snap length)"* ]]
}

@test "a trace with its bytes scrambled: a report or a refusal, no crash" {
	need_root
	t="$BATS_TEST_TMPDIR/t.fbrt"
	size=$(stat -c %s "$TRACES/basic.fbrt")
	for seed in $(seq 1 15); do
		cp "$TRACES/basic.fbrt" "$t"
		# Eight bytes of garbage somewhere past the file header.
		off=$((80 + (seed * 7919) % (size - 88)))
		head -c 8 /dev/urandom | dd of="$t" bs=1 seek="$off" conv=notrunc status=none
		run --separate-stderr "$REPLAY" -q -o attr_timeout=0 "$t"
		[ "$status" -le 2 ] && [[ "$stderr" != *Sanitizer* ]] ||
			{ echo "seed $seed, byte $off: status $status: $stderr"; false; }
	done
}

@test "usage errors exit 2 with the --help hint" {
	for bad in "--root a --tree b" "--bench --pace original" "--threads 0" \
		   "--threads x" "--driver nosuch" "-o nosuch" "-o cache=sometimes" \
		   "--context -1" "a b"; do
		run -2 --separate-stderr "$REPLAY" $bad t.fbrt
		[[ "$stderr" == *"Try 'fbr-replay --help' for more information." ]] ||
			{ echo "$bad: $stderr"; false; }
	done
}
