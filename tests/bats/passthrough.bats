#!/usr/bin/env bats
# FUSE passthrough on a real mount: as root fbr-mount registers each
# opened file's backing file, and the kernel then reads, writes and maps
# it without a READ or WRITE reaching the server (the trace shows the
# opens and no data requests); two opens of one inode share one backing
# id; set-id files, --no-passthrough, the writeback cache and a user's
# mount go through the server.  Needs root, /dev/fuse and a kernel with
# FUSE passthrough (6.9 or later); skips otherwise.

bats_require_minimum_version 1.5.0

load helpers

TRACE="$top_builddir/tools/fbr-trace/fbr-trace"

setup() {
	setup_dirs
	t="$BATS_TEST_TMPDIR/t.trace"
}

teardown() {
	cd /
	teardown_mounts
}

# The mount's traffic, decoded, once fbr-mount has ended.
decoded() {
	umount "$mnt"
	wait_daemon
	"$TRACE" "$t"
}

need_passthrough() {
	need_fuse
	start_daemon -d --trace "$t"
	if grep -q 'no FUSE passthrough: this kernel' "$BATS_TEST_TMPDIR/stderr"; then
		skip "this kernel has no FUSE passthrough"
	fi
}

@test "passthrough: data goes to the backing file, not through the server" {
	head -c 3M /dev/urandom >"$src/r"
	need_passthrough
	cmp "$src/r" "$mnt/r"
	head -c 2M /dev/urandom >"$BATS_TEST_TMPDIR/w"
	dd if="$BATS_TEST_TMPDIR/w" of="$mnt/w" bs=64k status=none
	cmp "$BATS_TEST_TMPDIR/w" "$src/w"
	# mmap, both ways.
	python3 -c '
import mmap, sys
with open(sys.argv[1], "r+b") as f:
    m = mmap.mmap(f.fileno(), 0)
    m[0:5] = b"HELLO"
    m.flush()
    assert m[5:10] == open(sys.argv[2], "rb").read()[5:10]
' "$mnt/r" "$src/r"
	[ "$(head -c 5 "$src/r")" = HELLO ]
	run -0 decoded
	[[ "$output" == *'OPEN('*'open_flags=FOPEN_PASSTHROUGH'*'backing_id='* ]]
	[[ "$output" == *'CREATE('*'name="w"'*'FOPEN_PASSTHROUGH'* ]]
	! grep -Eq ' (READ|WRITE)\(' <<<"$output"
}

@test "passthrough: two opens of one file share its backing id" {
	echo data >"$src/f"
	need_passthrough
	exec 5<"$mnt/f"
	echo more >>"$mnt/f"
	[ "$(cat <&5)" = $'data\nmore' ]
	exec 5<&-
	run -0 decoded
	ids=$(grep -o 'OPEN(nodeid=[0-9]*, path="/f".*backing_id=[0-9]*' <<<"$output" |
		sed 's/.*backing_id=//' | sort -u)
	[ "$(wc -l <<<"$ids")" -eq 1 ]
	[ "$(grep -c 'OPEN(nodeid=[0-9]*, path="/f"' <<<"$output")" -ge 2 ]
}

@test "passthrough: set-id files go through the server" {
	echo data >"$src/s"
	chmod 2755 "$src/s"
	need_passthrough
	echo more >>"$mnt/s"
	run -0 decoded
	! grep -q 'path="/s".*FOPEN_PASSTHROUGH' <<<"$output"
	grep -q ' WRITE(nodeid=[0-9]*, path="/s"' <<<"$output"
}

@test "passthrough: off with --no-passthrough and with the writeback cache" {
	echo data >"$src/f"
	need_fuse
	for opt in --no-passthrough --writeback; do
		start_daemon -d "$opt" --trace "$t"
		[ "$(cat "$mnt/f")" = data ]
		run -0 decoded
		grep -q ' READ(nodeid=[0-9]*, path="/f"' <<<"$output"
		! grep -q FOPEN_PASSTHROUGH <<<"$output"
	done
	grep -q 'no FUSE passthrough: the writeback cache excludes it' \
		"$BATS_TEST_TMPDIR/stderr"
}

@test "passthrough: at cache=always too (no FOPEN_KEEP_CACHE beside it)" {
	echo data >"$src/f"
	need_fuse
	start_daemon -d -o cache=always --trace "$t"
	if grep -q 'no FUSE passthrough: this kernel' "$BATS_TEST_TMPDIR/stderr"; then
		skip "this kernel has no FUSE passthrough"
	fi
	[ "$(cat "$mnt/f")" = data ]
	echo more >>"$mnt/f"
	[ "$(cat "$src/f")" = "$(printf 'data\nmore')" ]
	run -0 decoded
	grep -q 'OPEN(.*path="/f".*FOPEN_PASSTHROUGH' <<<"$output"
	! grep -q 'FOPEN_KEEP_CACHE|FOPEN_PASSTHROUGH' <<<"$output"
}
