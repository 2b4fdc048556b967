#!/usr/bin/env bats
# fbr-trace: a scripted workload recorded on a real fbr-mount mount and
# decoded, compared with tests/golden/trace-workload.txt once times,
# uniques, threads, inode and node numbers, handles and timestamps are
# normalised; JSON, -c, --check and --perfetto on the same recording; and
# damaged files (cut short, bad magic, garbage) decoded up to the damage.

bats_require_minimum_version 1.5.0
load helpers

FBR_TRACE="$top_builddir/tools/fbr-trace/fbr-trace"
GEN="$top_builddir/bench/fbr-bench-trace-gen"

setup() {
	[ -x "$FBR_TRACE" ] || skip "fbr-trace is not built"
	t="$BATS_TEST_TMPDIR/t.trace"
}

teardown() {
	teardown_mounts
}

# Record the workload into $t: one thread, so the order is fixed; no FUSE
# passthrough, so that READ and WRITE reach the server.
record() {
	need_fuse
	setup_dirs
	start_daemon --threads 1 --no-passthrough --trace "$t"
	mkdir "$mnt/d"
	echo hello > "$mnt/d/f"
	cat "$mnt/d/f" >/dev/null
	mv "$mnt/d/f" "$mnt/d/g"
	rm "$mnt/d/g"
	rmdir "$mnt/d"
	cat "$mnt/nope" 2>/dev/null || true
	umount "$mnt"
	wait_daemon
}

# Without what the harness does: INIT, start_daemon's stat and umount's.
normalise() {
	grep -Ev ' (INIT|GETATTR|STATX|STATFS)\(nodeid=1, |INIT\(' |
		sed -E -f "$top_srcdir/tests/bats/trace-normalise.sed"
}

@test "a recorded workload decodes to the golden text" {
	record
	run -0 --separate-stderr "$FBR_TRACE" "$t"
	[ -z "$stderr" ]
	diff -u "$top_srcdir/tests/golden/trace-workload.txt" \
		<(printf '%s\n' "$output" | normalise)
}

@test "--json: one valid object per line, as many as text lines" {
	record
	run -0 "$FBR_TRACE" --json "$t"
	text=$("$FBR_TRACE" "$t" | wc -l)
	[ "$(printf '%s\n' "$output" | wc -l)" -eq "$text" ]
	printf '%s\n' "$output" | python3 -c '
import json, sys
for line in sys.stdin:
    o = json.loads(line)
    assert o["type"] in ("call", "noreply", "unanswered", "notify", "orphan_reply")
'
	[[ "$output" == *'"opcode": "MKDIR", "nodeid": 1, "path": "/", "args": {"name": "d"'* ]]
}

@test "-c, --check and --perfetto on the recorded workload" {
	record
	run -0 "$FBR_TRACE" -c --histogram "$t"
	[[ "${lines[0]}" == "opcode "*"p50(us)"*"p99(us)"* ]]
	[[ "$output" == *$'\nMKDIR '*" 1 "* ]]
	[[ "$output" == *"MKDIR latency (us):"* ]]
	run -0 "$FBR_TRACE" --check "$t"
	[ "$output" = "0 protocol violations" ]
	run -0 "$FBR_TRACE" -c --perfetto "$BATS_TEST_TMPDIR/p.json" "$t"
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
names = {e["name"] for e in d["traceEvents"]}
assert "MKDIR" in names and "thread_name" in names
' "$BATS_TEST_TMPDIR/p.json"
}

@test "filters: by opcode, by path, errors only" {
	record
	run -0 "$FBR_TRACE" -e mkdir,rmdir "$t"
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[0]}" == *" MKDIR("* && "${lines[1]}" == *" RMDIR("* ]]
	run -0 "$FBR_TRACE" -e write -P /d/f "$t"
	[ "${#lines[@]}" -eq 1 ]
	run -0 "$FBR_TRACE" -Z "$t"
	for l in "${lines[@]}"; do [[ "$l" == *" = E"* ]]; done
	run -2 "$FBR_TRACE" -e NOSUCHOP "$t"
	[[ "$output" == *"unknown opcode 'NOSUCHOP'"* ]]
}

@test "filters: by nodeid, by errno, by time" {
	record
	# The directory's nodeid, from its MKDIR reply.
	d=$("$FBR_TRACE" -e MKDIR "$t" | sed -n 's/.* = 0 {nodeid=\([0-9]*\),.*/\1/p')
	[ -n "$d" ]
	run -0 "$FBR_TRACE" -n "$d" "$t"
	[ "${#lines[@]}" -ge 3 ]
	# About it, or the reply that gave it out.
	for l in "${lines[@]}"; do
		[[ "$l" == *"(nodeid=$d, "* || "$l" == *"= 0 {nodeid=$d, "* ]]
	done
	# --errno E: the failed lines (-Z) with E, whichever E the workload met.
	e=$("$FBR_TRACE" -Z "$t" | sed -n '1s/.* = \(E[A-Z]*\) .*/\1/p')
	[ -n "$e" ]
	run -0 "$FBR_TRACE" --errno "$e" "$t"
	[ "$output" = "$("$FBR_TRACE" -Z "$t" | grep " = $e ")" ]
	run -2 "$FBR_TRACE" --errno EBOGUS "$t"
	# --from/--to: the halves split at the time of the RENAME.
	all=$("$FBR_TRACE" "$t" | wc -l)
	at=$("$FBR_TRACE" -e RENAME,RENAME2 "$t" | cut -d' ' -f1)
	before=$("$FBR_TRACE" --to "$at" "$t" | wc -l)
	after=$("$FBR_TRACE" --from "$at" "$t" | wc -l)
	[ "$before" -gt 0 ] && [ "$after" -gt 0 ]
	# Times print to the microsecond: the RENAME may fall just after --to.
	[ $((before + after)) -ge "$all" ] && [ $((before + after)) -le $((all + 1)) ]
	"$FBR_TRACE" --from "$at" "$t" | head -1 | grep -Eq ' RENAME2?\('
	run -2 --separate-stderr "$FBR_TRACE" --from 2 --to 1 "$t"
	[[ "$stderr" == "fbr-trace: --to is before --from"* ]]
}

@test "-t: times since the epoch; -x: payloads in hex" {
	record
	run -0 "$FBR_TRACE" -t -e MKDIR "$t"
	now=$(date +%s)
	sec=${output%%.*}
	[ "$sec" -gt $((now - 600)) ] && [ "$sec" -le "$now" ]
	run -0 "$FBR_TRACE" -x -e WRITE "$t"
	# The line, then the request's bytes: "hello\n" at the end.
	[[ "${lines[0]}" == *" WRITE("* ]]
	[[ "$output" == *"68 65 6c 6c 6f 0a"* ]]
}

@test "-F: lines as fbr-mount writes them, until interrupted" {
	need_fuse
	setup_dirs
	start_daemon --threads 1 --trace "$t"
	"$FBR_TRACE" -F -e MKDIR "$t" >"$BATS_TEST_TMPDIR/live" &
	f_pid=$!
	mkdir "$mnt/live1"
	wait_for 30 grep -q 'name="live1"' "$BATS_TEST_TMPDIR/live"
	mkdir "$mnt/live2"
	wait_for 30 grep -q 'name="live2"' "$BATS_TEST_TMPDIR/live"
	kill -INT "$f_pid"
	wait "$f_pid"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/live")" -eq 2 ]
	umount "$mnt"
	wait_daemon
}

# A synthetic trace: INIT and 2 cycles of six pairs, 26 records.
synth() {
	[ -x "$GEN" ] || skip "fbr-bench-trace-gen is not built"
	"$GEN" "$t" 26 >/dev/null
	"$FBR_TRACE" "$t" >"$BATS_TEST_TMPDIR/whole"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/whole")" -eq 13 ]
}

@test "a file cut in the middle of a record: the records before, then the error" {
	synth
	truncate -s -40 "$t"
	run -1 --separate-stderr "$FBR_TRACE" "$t"
	# The last RELEASE's reply is cut: that request is unanswered.
	[ "${#lines[@]}" -eq 13 ]
	[[ "${lines[11]}" == *" WRITE("*"= 0 {size=4096} <"* ]]
	[[ "${lines[12]}" == *" RELEASE("*"= ? <unanswered>" ]]
	[[ "$stderr" == "fbr-trace: '$t' is damaged at byte "*": the file ends in the middle of a record; everything before it is shown" ]]
}

@test "garbage after good records, and a bad magic" {
	synth
	head -c 64 /dev/urandom | tr '\0' x >>"$t"
	run -1 --separate-stderr "$FBR_TRACE" "$t"
	[ "${#lines[@]}" -eq 13 ]
	[[ "$stderr" == *"is damaged at byte "*": a record header makes no sense"* ]]
	printf 'NOTTRACE' | dd of="$t" conv=notrunc status=none
	run -1 --separate-stderr "$FBR_TRACE" "$t"
	[ -z "$output" ]
	[ "$stderr" = "fbr-trace: cannot read '$t': not an fbr trace file" ]
	run -1 --separate-stderr "$FBR_TRACE" "$BATS_TEST_TMPDIR/none"
	[ "$stderr" = "fbr-trace: cannot open '$BATS_TEST_TMPDIR/none': No such file or directory" ]
}
