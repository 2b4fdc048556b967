#!/usr/bin/env bats
# fbr-trace record: unchanged libfuse 3 servers (libfuse's passthrough_ll,
# built from Debian's libfuse3-dev examples, and the packaged
# fuse-overlayfs) served through the relay, a workload run on the mount,
# and the trace decoded: every message there, 1 MiB WRITEs carried whole
# as root, capped to the socket as a user, no protocol violation.  Also
# the exit status, signals, a server gone to the background, and usage
# errors.  Needs root and /dev/fuse; skips otherwise.

bats_require_minimum_version 1.5.0

load helpers

TRACE="$top_builddir/tools/fbr-trace/fbr-trace"
EXAMPLE=/usr/share/doc/libfuse3-dev/examples/passthrough_ll.c

setup_file() {
	export LL="$BATS_FILE_TMPDIR/passthrough_ll"
	[ -r "$EXAMPLE" ] && command -v pkg-config >/dev/null &&
		cc -O2 -o "$LL" "$EXAMPLE" $(pkg-config --cflags --libs fuse3) \
			2>/dev/null || true
	chmod o+rx "$BATS_FILE_TMPDIR" 2>/dev/null || true
}

setup() {
	setup_dirs
	out="$BATS_TEST_TMPDIR/t.trace"
}

teardown() {
	cd /
	if [ -n "${rec_pid:-}" ] && kill -0 "$rec_pid" 2>/dev/null; then
		kill -KILL "$rec_pid" 2>/dev/null || true
	fi
	teardown_mounts
	pkill -KILL -f "$LL" 2>/dev/null || true
	[ -z "${fuse_mode:-}" ] || chmod "$fuse_mode" /dev/fuse
	[ -z "${wmem_max:-}" ] || echo "$wmem_max" >/proc/sys/net/core/wmem_max
}

need_ll() {
	need_fuse
	[ -x "$LL" ] || skip "no passthrough_ll (Debian: libfuse3-dev, pkg-config)"
}

# record ARGS...: fbr-trace record in the background until the mount works.
record() {
	"$TRACE" record -o "$out" "$@" 2>"$BATS_TEST_TMPDIR/stderr" &
	rec_pid=$!
	wait_for 30 is_mounted "$mnt"
	wait_for 30 stat "$mnt/." >/dev/null
}

# Wait for fbr-trace to end; its status in rec_rc.
wait_record() {
	wait_for 30 is_gone "$rec_pid"
	rec_rc=0
	wait "$rec_pid" || rec_rc=$?
	rec_pid=
}

@test "record: passthrough_ll, unchanged, through the relay" {
	need_ll
	echo hello >"$src/a"
	record -- "$LL" -f -o source="$src" "$mnt"
	[ "$(cat "$mnt/a")" = hello ]
	head -c 3M /dev/urandom >"$BATS_TEST_TMPDIR/data"
	dd if="$BATS_TEST_TMPDIR/data" of="$mnt/data" bs=1M status=none
	cmp "$BATS_TEST_TMPDIR/data" "$src/data"
	mkdir "$mnt/d"
	mv "$mnt/data" "$mnt/d/moved"
	cmp "$BATS_TEST_TMPDIR/data" "$mnt/d/moved"
	rm "$mnt/d/moved"
	run -0 findmnt -rn -o FSTYPE --mountpoint "$mnt"
	[ "$output" = fuse.passthrough_ll ]
	umount "$mnt"
	wait_record
	# Unmounted from outside: the server was told SIGTERM, on which
	# libfuse ends its loop and exits 1, as it does run directly.
	[ "$rec_rc" -eq 1 ]
	run -0 "$TRACE" "$out"
	[[ "$output" == *'LOOKUP(nodeid=1, path="/", name="a") = 0'* ]]
	[[ "$output" == *'RENAME'*'name="data"'*'newname="moved"'* ]]
	[[ "$output" == *'UNLINK'*'name="moved") = 0'* ]]
	# The 3 MiB file went in whole 1 MiB WRITEs.
	[ "$(grep -c 'WRITE(.*size=1048576.* = 0 {size=1048576}' <<<"$output")" -eq 3 ]
	# The server was offered no splice: its INIT reply takes none.
	init=$(grep -m1 ' INIT(' <<<"$output")
	[[ "${init#*= 0 \{}" != *SPLICE* ]]
	run -0 "$TRACE" --check "$out"
}

@test "record: a packaged libfuse filesystem (fuse-overlayfs)" {
	need_fuse
	command -v fuse-overlayfs >/dev/null || skip "no fuse-overlayfs (Debian: fuse-overlayfs)"
	mkdir "$src/lower" "$src/upper" "$src/work"
	echo low >"$src/lower/f"
	record -- fuse-overlayfs -f \
		-o lowerdir="$src/lower",upperdir="$src/upper",workdir="$src/work" "$mnt"
	[ "$(cat "$mnt/f")" = low ]
	echo up >"$mnt/f"
	[ "$(cat "$src/upper/f")" = up ]
	[ "$(cat "$src/lower/f")" = low ]
	kill -INT "$rec_pid"
	wait_record
	! is_mounted "$mnt"
	run -0 "$TRACE" -e WRITE "$out"
	[[ "$output" == *'path="/f"'*'size=3'*'= 0 {size=3}'* ]]
}

@test "record: SIGINT goes to the server, which ends; the mount goes" {
	need_ll
	record -- "$LL" -f -o source="$src" "$mnt"
	ls "$mnt" >/dev/null
	kill -INT "$rec_pid"
	wait_record
	[ "$rec_rc" -eq 1 ] # libfuse's status after a signal
	! is_mounted "$mnt"
	run -0 "$TRACE" -c "$out"
	[[ "$output" == *INIT* ]]
}

@test "record: a server gone to the background is relayed until unmounted" {
	need_ll
	echo bg >"$src/f"
	record -- "$LL" -o source="$src" "$mnt"
	[ "$(cat "$mnt/f")" = bg ]
	sleep 0.5
	kill -0 "$rec_pid" # the command has returned; fbr-trace goes on
	[ "$(cat "$mnt/f")" = bg ]
	umount "$mnt"
	wait_record
	[ "$rec_rc" -eq 0 ] # the command's own status
	run -0 "$TRACE" -e READ "$out"
	[[ "$output" == *'path="/f"'* ]]
}

@test "record: an ordinary user, through fusermount3, WRITEs capped to the socket" {
	need_ll
	need_test_user
	mode=$(stat -c %a /dev/fuse)
	if [ "$mode" != 666 ]; then
		fuse_mode=$mode
		chmod 666 /dev/fuse
	fi
	chown "$TEST_USER" "$src" "$mnt"
	chmod 755 "$BATS_TEST_TMPDIR"
	cp "$LL" "$BATS_TEST_TMPDIR/ll"
	out="$BATS_TEST_TMPDIR/user.trace"
	touch "$out" && chown "$TEST_USER" "$out"
	# A user's socket buffer stops at wmem_max: Linux's default, 208 KiB.
	wmem_max=$(cat /proc/sys/net/core/wmem_max)
	echo 212992 >/proc/sys/net/core/wmem_max
	"${as_user[@]}" "$TRACE" record -o "$out" -- "$BATS_TEST_TMPDIR/ll" -f \
		-o source="$src" "$mnt" 2>"$BATS_TEST_TMPDIR/stderr" &
	rec_pid=$!
	wait_for 30 is_mounted "$mnt"
	head -c 2M /dev/urandom >"$BATS_TEST_TMPDIR/data"
	"${as_user[@]}" dd if="$BATS_TEST_TMPDIR/data" of="$mnt/data" bs=1M status=none
	cmp "$BATS_TEST_TMPDIR/data" "$src/data"
	"${as_user[@]}" fusermount3 -u "$mnt"
	wait_record
	grep -q 'the server.s max_write is capped' "$BATS_TEST_TMPDIR/stderr"
	run -0 "$TRACE" "$out"
	max=$(grep -m1 ' INIT(' <<<"$output" | sed 's/.*= 0 {.*max_write=\([0-9]*\).*/\1/')
	[ "$max" -lt 1048576 ]
	! grep -q "WRITE(.*size=1048576" <<<"$output"
	grep -q "WRITE(.*size=$max" <<<"$output"
}

@test "record: the command's exit status, and 127 when it cannot run" {
	need_fuse
	run -3 "$TRACE" record -o "$out" -- sh -c 'exit 3' sh "$mnt"
	! is_mounted "$mnt"
	run -127 --separate-stderr "$TRACE" record -o "$out" -- /nonexistent/server "$mnt"
	[[ "$stderr" == "fbr-trace: cannot run '/nonexistent/server': No such file or directory"* ]]
	! is_mounted "$mnt"
}

@test "record: usage errors" {
	[ -x "$TRACE" ] || skip "fbr-trace is not built"
	run -2 --separate-stderr "$TRACE" record -- server "$mnt"
	[[ "$stderr" == "fbr-trace: record: no output file (-o)"* ]]
	run -2 --separate-stderr "$TRACE" record -o "$out"
	[[ "$stderr" == "fbr-trace: record: no command to run"* ]]
	run -2 --separate-stderr "$TRACE" record -o "$out" -m /elsewhere -- server "$mnt"
	[[ "$stderr" == "fbr-trace: record: '/elsewhere' is not among the command's arguments"* ]]
	run -2 --separate-stderr "$TRACE" record -o "$out" -O bogus -- server "$mnt"
	[[ "$stderr" == "fbr-trace: unknown mount option 'bogus'"* ]]
	run -2 --separate-stderr "$TRACE" record -o "$out" -s 10 -- server "$mnt"
	[[ "$stderr" == *"invalid snap length: '10'"* ]]
	run -0 "$TRACE" record --help
	[[ "$output" == "Usage: fbr-trace record"* ]]
}
