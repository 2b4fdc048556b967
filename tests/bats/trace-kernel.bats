#!/usr/bin/env bats
# fbr-trace kernel: a mount watched through the kernel's FUSE tracepoints
# while fbr-mount records the same traffic with --trace; every request the
# kernel reports is one the server saw, with the same opcode and result,
# and none is missing.  Also -o and decoding the file, -c, the tracefs
# instance cleaned up, and errors.  Needs root, /dev/fuse and a kernel
# with the tracepoints (6.16 or later); skips otherwise.

bats_require_minimum_version 1.5.0

load helpers

TRACE="$top_builddir/tools/fbr-trace/fbr-trace"
TRACEFS=/sys/kernel/tracing

setup() {
	setup_dirs
	tracefs_mounted=
}

teardown() {
	cd /
	[ -z "${k_pid:-}" ] || kill -KILL "$k_pid" 2>/dev/null || true
	teardown_mounts
	# Leave tracefs as we found it.
	[ -z "$tracefs_mounted" ] || umount "$TRACEFS" 2>/dev/null || true
}

# tracefs mounted for a look (fbr-trace kernel mounts it for itself).
look_at_tracefs() {
	if [ ! -d "$TRACEFS/events" ]; then
		mount -t tracefs tracefs "$TRACEFS" 2>/dev/null || return 1
		tracefs_mounted=1
	fi
}

need_tracepoints() {
	need_fuse
	look_at_tracefs || skip "no tracefs"
	[ -d "$TRACEFS/events/fuse/fuse_request_send" ] ||
		skip "this kernel has no FUSE tracepoints"
}

# kernel ARGS...: fbr-trace kernel in the background, output in $BATS_TEST_TMPDIR/k.
kernel() {
	"$TRACE" kernel "$@" >"$BATS_TEST_TMPDIR/k" 2>"$BATS_TEST_TMPDIR/k.err" &
	k_pid=$!
	wait_for 30 sh -c "ls -d $TRACEFS/instances/fbr-trace-$k_pid/events >/dev/null 2>&1"
	sleep 0.3 # the events enabled, after the instance appears
}

stop_kernel() {
	kill -INT "$k_pid"
	wait_for 30 is_gone "$k_pid"
	k_rc=0
	wait "$k_pid" || k_rc=$?
	k_pid=
}

workload() {
	echo one >"$mnt/a"
	cat "$mnt/a" >/dev/null
	mkdir "$mnt/d"
	mv "$mnt/a" "$mnt/d/b"
	ls -l "$mnt/d" >/dev/null
	! cat "$mnt/none" 2>/dev/null
	rm -r "$mnt/d"
}

# "#unique OPCODE result", one a line, sorted, from decoded text lines.
calls() {
	sed -n 's/^[^#]*#\([0-9]*\) \([A-Z0-9_]*\)(.*) = \([A-Z0-9-]*\).*/\1 \2 \3/p' "$1" |
		sort -n
}

@test "kernel: what the tracepoints report is what the server saw" {
	need_tracepoints
	start_daemon --trace "$BATS_TEST_TMPDIR/server.trace"
	kernel "$mnt"
	workload
	stop_kernel
	[ "$k_rc" -eq 0 ]
	umount "$mnt"
	wait_daemon
	"$TRACE" "$BATS_TEST_TMPDIR/server.trace" >"$BATS_TEST_TMPDIR/server"
	calls "$BATS_TEST_TMPDIR/k" >"$BATS_TEST_TMPDIR/k.calls"
	calls "$BATS_TEST_TMPDIR/server" >"$BATS_TEST_TMPDIR/s.calls"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/k.calls")" -ge 10 ]
	# The server's calls in the same span of uniques: the same list.
	first=$(head -1 "$BATS_TEST_TMPDIR/k.calls" | cut -d' ' -f1)
	last=$(tail -1 "$BATS_TEST_TMPDIR/k.calls" | cut -d' ' -f1)
	awk -v f="$first" -v l="$last" '$1 >= f && $1 <= l' \
		"$BATS_TEST_TMPDIR/s.calls" >"$BATS_TEST_TMPDIR/s.span"
	diff "$BATS_TEST_TMPDIR/k.calls" "$BATS_TEST_TMPDIR/s.span"
	grep -Eq ' RENAME2? ' "$BATS_TEST_TMPDIR/k.calls"
	# No payload: lengths only.
	grep -q '^[0-9.]* \[[0-9]*\] #[0-9]* MKDIR(length=[0-9]*) = 0 {length=[0-9]*} <' \
		"$BATS_TEST_TMPDIR/k"
	# The instance is gone.
	! ls -d "$TRACEFS"/instances/fbr-trace-* 2>/dev/null
}

@test "kernel: -o records a trace file that decodes to the same lines" {
	need_tracepoints
	start_daemon
	kernel -o "$BATS_TEST_TMPDIR/k.trace" "$mnt"
	workload
	stop_kernel
	[ "$k_rc" -eq 0 ]
	[ ! -s "$BATS_TEST_TMPDIR/k" ]
	run -0 "$TRACE" "$BATS_TEST_TMPDIR/k.trace"
	[[ "$output" == *'RMDIR(length='* ]]
	run -0 "$TRACE" -c "$BATS_TEST_TMPDIR/k.trace"
	[[ "$output" == *RENAME* ]]
	run -0 "$TRACE" --check "$BATS_TEST_TMPDIR/k.trace"
}

@test "kernel: -c on every FUSE mount" {
	need_tracepoints
	start_daemon
	kernel -c
	workload
	stop_kernel
	[ "$k_rc" -eq 0 ]
	grep -q '^MKDIR  *1  *0 ' "$BATS_TEST_TMPDIR/k"
	grep -q '^total ' "$BATS_TEST_TMPDIR/k"
}

@test "kernel: errors" {
	[ -x "$TRACE" ] || skip "fbr-trace is not built"
	run -2 --separate-stderr "$TRACE" kernel --connection 3 "$mnt"
	[[ "$stderr" == "fbr-trace: a mountpoint and --connection: give one"* ]]
	run -2 --separate-stderr "$TRACE" kernel -o x -c
	[[ "$stderr" == "fbr-trace: kernel: -o records; decode the file with those options"* ]]
	run -2 --separate-stderr "$TRACE" kernel -F
	[[ "$stderr" == "fbr-trace: kernel: -F is for files"* ]]
	run -2 --separate-stderr "$TRACE" -o x file
	[[ "$stderr" == "fbr-trace: -o and --connection are for 'fbr-trace kernel'"* ]]
	run -0 "$TRACE" kernel --help
	[[ "$output" == "Usage: fbr-trace kernel"* ]]
	need_tracepoints
	run -1 --separate-stderr "$TRACE" kernel "$src"
	[ "$stderr" = "fbr-trace: '$src' is not a FUSE mount" ]
}
