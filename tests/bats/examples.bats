#!/usr/bin/env bats
# The examples (examples/hello.c, examples/memfs.c), drivers written against
# libfbr's public headers, each served over /dev/fuse (mounted for real)
# and as a vhost-user back-end driven by the fake front-end of
# tests/unit/test-vhost.  make check runs the ones built in the tree
# against the uninstalled shared library; make installcheck builds them
# against the installed copy and sets FBR_EXAMPLES (and FBR_INSTALLED_*).
# The mounts need root and /dev/fuse; the rest runs anywhere.

bats_require_minimum_version 1.5.0

load helpers

EXAMPLES=${FBR_EXAMPLES:-$top_builddir/examples}
TEST_VHOST="$top_builddir/tests/unit/test-vhost"

setup() {
	setup_dirs
	[ -x "$EXAMPLES/hello" ] && [ -x "$EXAMPLES/memfs" ] ||
		skip "the examples are not built"
}

teardown() {
	cd /
	teardown_mounts
}

# start_example PROG ARGS...: in the background, with a pid file's worth
# of state in daemon_pid; stderr kept for a failing test to show.
start_example() {
	"$EXAMPLES/$1" "${@:2}" 2>"$BATS_TEST_TMPDIR/stderr" &
	daemon_pid=$!
}

mount_example() {
	need_fuse
	start_example "$1" "$mnt"
	wait_for 30 is_mounted "$mnt"
	wait_for 30 stat "$mnt/." >/dev/null
}

# The example ends by itself once unmounted, with status 0.
unmount_example() {
	umount "$mnt"
	wait_daemon
	[ "$daemon_rc" -eq 0 ]
}

@test "the examples: --help, and a usage error exits 2" {
	for p in hello memfs; do
		run -0 "$EXAMPLES/$p" --help
		[[ "${lines[0]}" == "Usage: $p [-d] MOUNTPOINT" ]]
		run -2 --separate-stderr "$EXAMPLES/$p"
		[[ "$stderr" == *"--vhost-user SOCKET"* ]]
		run -2 "$EXAMPLES/$p" --bogus x
	done
}

@test "hello over /dev/fuse: one read-only file" {
	mount_example hello
	run -0 findmnt -rn -o SOURCE,FSTYPE --mountpoint "$mnt"
	[ "$output" = "hello fuse.hello" ]
	[ "$(ls -A "$mnt")" = hello ]
	[ "$(cat "$mnt/hello")" = "Hello, world!" ]
	[ "$(stat -c '%s %a %F' "$mnt/hello")" = "14 444 regular file" ]
	run -2 --separate-stderr sh -c "echo x >'$mnt/hello'"
	[[ "$stderr" == *"Read-only file system"* ]]
	run -1 --separate-stderr touch "$mnt/new"
	[ ! -e "$mnt/new" ]
	unmount_example
}

@test "memfs over /dev/fuse: write, read, mkdir, rename, remove" {
	mount_example memfs
	cd "$mnt"
	printf 'one\n' >a
	printf 'two\n' >>a
	[ "$(cat a)" = $'one\ntwo' ]
	head -c 300000 /dev/urandom >"$BATS_TEST_TMPDIR/data"
	cp "$BATS_TEST_TMPDIR/data" data
	cmp data "$BATS_TEST_TMPDIR/data"
	mkdir -p d/e
	[ "$(stat -c %F d/e)" = directory ]
	mv a d/e/b
	[ ! -e a ]
	[ "$(cat d/e/b)" = $'one\ntwo' ]
	mv data d/data2
	[ "$(ls d | tr '\n' ' ')" = "data2 e " ]
	run -1 rmdir d
	rm d/e/b
	rmdir d/e
	rm d/data2
	rmdir d
	[ -z "$(ls -A)" ]
	cd /
	unmount_example
}

@test "memfs over /dev/fuse: chmod, truncate, utimes, rename over" {
	mount_example memfs
	cd "$mnt"
	echo hello >f
	chmod 600 f
	[ "$(stat -c %a f)" = 600 ]
	truncate -s 3 f
	[ "$(cat f)" = hel ]
	truncate -s 10 f
	[ "$(stat -c %s f)" -eq 10 ]
	touch -d '2001-02-03 04:05:06 UTC' f
	[ "$(stat -c %Y f)" -eq 981173106 ]
	echo other >g
	mv g f
	[ "$(cat f)" = other ]
	[ "$(ls -A)" = f ]
	# Many names: listings longer than one READDIR buffer.
	for i in $(seq 1 300); do : >"file-with-a-long-name-$i"; done
	[ "$(ls | wc -l)" -eq 301 ]
	cd /
	unmount_example
}

@test "memfs: SIGTERM unmounts and exits 0" {
	mount_example memfs
	echo x >"$mnt/f"
	kill -TERM "$daemon_pid"
	wait_daemon
	[ "$daemon_rc" -eq 0 ]
	! is_mounted "$mnt"
}

# serve_vhost PROG TEST-VHOST-ARGS...: the example as a back-end on a socket,
# the fake front-end connected to it; the back-end exits 0 at its hang-up.
serve_vhost() {
	[ -x "$TEST_VHOST" ] || skip "tests/unit/test-vhost is not built"
	local sock="$BATS_TEST_TMPDIR/vhost.sock"
	start_example "$1" --vhost-user "$sock"
	wait_for 30 test -S "$sock"
	run -0 "$TEST_VHOST" --connect "$sock" "${@:2}"
	echo "$output"
	[[ "$output" != *"not ok"* ]]
	wait_daemon
	[ "$daemon_rc" -eq 0 ]
	[ ! -e "$sock" ]
}

@test "hello as a virtio-fs back-end: INIT, LOOKUP, OPEN, READ" {
	serve_vhost hello --read hello $'Hello, world!\n'
	[[ "$output" == *"ok "*" - READ hello: the 14 bytes expected"* ]]
}

@test "memfs as a virtio-fs back-end: create, write, read, rename, remove" {
	serve_vhost memfs --write
	[[ "$output" == *"READ it back: 'written through virtio-fs'"* ]]
	[[ "$output" == *"ok "*" - RMDIR d"* ]]
}

@test "installed: the examples link the installed libfbr.so" {
	[ -n "${FBR_INSTALLED_LIBDIR:-}" ] || skip "make installcheck only"
	for p in hello memfs; do
		run -0 ldd "$EXAMPLES/$p"
		[[ "$output" == *"libfbr.so.0 => $FBR_INSTALLED_LIBDIR/libfbr.so.0 "* ]]
	done
}

@test "installed: libfbr.a defines the public API's names alone" {
	[ -n "${FBR_INSTALLED_LIBDIR:-}" ] || skip "make installcheck only"
	nm -g --defined-only "$FBR_INSTALLED_LIBDIR/libfbr.a" |
		awk 'NF == 3 { print $3 }' | LC_ALL=C sort >"$BATS_TEST_TMPDIR/a"
	grep -v '^#' "$top_srcdir/lib/libfbr.sym" | sed 's/@.*//' |
		LC_ALL=C sort >"$BATS_TEST_TMPDIR/sym"
	run -0 diff "$BATS_TEST_TMPDIR/sym" "$BATS_TEST_TMPDIR/a"
}

@test "installed: the public headers, and no other" {
	[ -n "${FBR_INSTALLED_INCLUDEDIR:-}" ] || skip "make installcheck only"
	run -0 ls "$FBR_INSTALLED_INCLUDEDIR/fbr"
	[ "$(echo $output)" = "driver.h fuse_abi.h fusedev.h log.h passthrough.h session.h virtiofs.h" ]
}
