#!/usr/bin/env bats
# Notifications on a real mount.  tests/bats/notify-mount serves SRC on MNT
# with the passthrough driver at cache=always and, for each notification,
# changes SRC behind the mount, shows the stale view through it, notifies,
# and shows the fresh view: INVAL_INODE (attributes, data), INVAL_ENTRY (a
# renamed name, a cached miss), DELETE (a cached listing), STORE (data read
# back with no READ reaching the server), RETRIEVE (the page cache given
# back), POLL (a poll(2) woken).  The driver's own notifications: set-id
# bits it clears on WRITE, FALLOCATE and COPY_FILE_RANGE, and an ACL's mask
# it sets, stay stale in the kernel without them.  The same over FUSE over io_uring where the kernel
# has it.  Needs root and /dev/fuse; skips otherwise.

bats_require_minimum_version 1.5.0

load helpers

PROG="$top_builddir/tests/bats/notify-mount"
PARAM=/sys/module/fuse/parameters/enable_uring

setup() {
	need_fuse
	[ -x "$PROG" ] || skip "notify-mount is not built"
	setup_dirs
	old_uring=
}

teardown() {
	teardown_mounts
	if [ -n "$old_uring" ]; then
		echo "$old_uring" >"$PARAM"
	fi
}

# run_prog [--no-notify] SCENARIO: the program's TAP must be all "ok".
run_prog() {
	run timeout 120 "$PROG" "$@" "$src" "$mnt"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" != *"not ok"* ]]
	[[ "$output" == *"1.."* ]]
}

@test "INVAL_INODE: attributes and data changed behind the mount" {
	run_prog inval-inode
}

@test "INVAL_ENTRY: a rename behind the mount, and a cached miss" {
	run_prog inval-entry
}

@test "DELETE: a name gone from a cached listing and from lookups" {
	run_prog delete
}

@test "STORE and RETRIEVE: the page cache filled and read back" {
	run_prog store-retrieve
}

@test "POLL: a waiting poll(2) woken by the notification" {
	run_prog poll
}

@test "set-id bits the server clears on a data change: stale without INVAL_INODE" {
	need_test_user
	run_prog --no-notify killpriv
	[[ "$output" == *"write: without notifications the mount shows it still set"* ]]
}

@test "set-id bits the server clears on a data change: the driver notifies" {
	need_test_user
	run_prog killpriv
}

@test "an access ACL set through the mount: stale mode without INVAL_INODE" {
	run_prog --no-notify acl
	[[ "$output" == *"# SKIP"* ]] ||
		[[ "$output" == *"without notifications the mount shows the old ones"* ]]
}

@test "an access ACL set through the mount: the driver notifies" {
	run_prog acl
}

@test "over FUSE over io_uring, notifications still go through /dev/fuse" {
	[ -w "$PARAM" ] ||
		skip "this kernel has no FUSE over io_uring (6.14 or later, CONFIG_FUSE_IO_URING)"
	hold_uring_param
	old_uring=$(cat "$PARAM")
	echo 1 >"$PARAM"
	run_prog --uring store-retrieve
	run_prog --uring inval-inode
}
