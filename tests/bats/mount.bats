#!/usr/bin/env bats
# fbr-mount mounting for real: file operations through the mount against
# the source directory, the cache modes, unmounting (busy, from outside,
# by signal, after SIGKILL with and without auto_unmount), mount(8) with an
# fstab-style type, an ordinary user through fusermount3, and SIGUSR1.
# Needs root and /dev/fuse; skips otherwise.

bats_require_minimum_version 1.5.0

load helpers

setup() {
	setup_dirs
}

teardown() {
	cd /
	teardown_mounts
	if [ -n "${fuse_mode:-}" ]; then
		chmod "$fuse_mode" /dev/fuse
	fi
}

# The two views of a tree, as find sees them (sizes, links, modes, targets).
tree_list() {
	(cd "$1" && find . -path ./big -prune -o -printf '%p %y %s %n %m %l\n' |
		sort)
}

@test "a missing source or mountpoint: exit 1 with the reason" {
	[ -x "$FBR_MOUNT" ] || skip "fbr-mount is not built"
	run -1 --separate-stderr "$FBR_MOUNT" "$src/none" "$mnt"
	[ "$stderr" = "fbr-mount: cannot open '$src/none': No such file or directory" ]
	need_fuse
	run -1 --separate-stderr "$FBR_MOUNT" "$src" "$mnt/none"
	[ "$stderr" = "fbr-mount: cannot mount on '$mnt/none': No such file or directory" ]
}

@test "the background mount works as soon as fbr-mount returns" {
	need_fuse
	echo hello >"$src/f"
	run -0 "$FBR_MOUNT" "$src" "$mnt"
	[ "$(cat "$mnt/f")" = hello ]
	run -0 findmnt -rn -o SOURCE,FSTYPE --mountpoint "$mnt"
	[ "$output" = "$src fuse.fbr-mount" ]
	run -0 umount "$mnt"
	wait_for 30 sh -c "! pgrep -x -f '$FBR_MOUNT $src $mnt' >/dev/null"
}

@test "file operations in the mount match the source directory" {
	need_fuse
	run -0 "$FBR_MOUNT" "$src" "$mnt"
	cd "$mnt"
	printf 'hello\n' >a
	printf 'more\n' >>a
	[ "$(cat a)" = $'hello\nmore' ]
	head -c 300000 /dev/urandom >data
	cmp data "$src/data"
	truncate -s 1000 data
	[ "$(stat -c %s "$src/data")" -eq 1000 ]
	echo old >b
	echo new >c
	mv c b
	[ "$(cat b)" = new ] && [ ! -e c ] && [ ! -e "$src/c" ]
	ln b b2
	[ "$(stat -c %h b)" -eq 2 ]
	[ "$(stat -c %i b)" = "$(stat -c %i b2)" ]
	[ "$(stat -c %i "$src/b")" = "$(stat -c %i "$src/b2")" ]
	ln -s b sl
	[ "$(readlink sl)" = b ] && [ "$(cat sl)" = new ]
	mkfifo fifo
	[ -p "$src/fifo" ]
	mkdir -p d/e
	echo deep >d/e/f
	rm d/e/f
	rmdir d/e
	chmod 600 a
	cd /
	[ "$(tree_list "$mnt")" = "$(tree_list "$src")" ]
	for f in a b b2 data; do
		cmp "$mnt/$f" "$src/$f"
	done
}

@test "a sparse file over 4 GiB keeps its holes (SEEK_DATA, SEEK_HOLE)" {
	need_fuse
	run -0 "$FBR_MOUNT" "$src" "$mnt"
	python3 - "$mnt/sparse" "$src/sparse" <<-'EOF'
	import os, sys
	G = 1 << 30
	at = 4 * G + 12345
	with open(sys.argv[1], "wb") as f:
	    f.truncate(5 * G)
	    f.seek(at)
	    f.write(b"beyond 4 GiB")
	for path in sys.argv[1:]:
	    fd = os.open(path, os.O_RDONLY)
	    assert os.fstat(fd).st_size == 5 * G
	    data = os.lseek(fd, 0, os.SEEK_DATA)
	    assert 4 * G <= data <= at, (path, data)
	    hole = os.lseek(fd, data, os.SEEK_HOLE)
	    assert at + 12 <= hole < 5 * G, (path, hole)
	    assert os.lseek(fd, 0, os.SEEK_HOLE) == 0
	    os.lseek(fd, at, os.SEEK_SET)
	    assert os.read(fd, 12) == b"beyond 4 GiB"
	    os.close(fd)
	EOF
}

@test "extended attributes with -o xattr" {
	need_fuse
	echo x >"$src/f"
	run -0 "$FBR_MOUNT" -o xattr "$src" "$mnt"
	python3 - "$mnt/f" "$src/f" <<-'EOF'
	import errno, os, sys
	m, s = sys.argv[1:]
	os.setxattr(m, "user.fbr", b"through the mount")
	assert os.getxattr(s, "user.fbr") == b"through the mount"
	os.setxattr(s, "user.src", b"in the source")
	assert os.getxattr(m, "user.src") == b"in the source"
	assert sorted(os.listxattr(m)) == ["user.fbr", "user.src"]
	os.removexattr(m, "user.fbr")
	assert os.listxattr(s) == ["user.src"]
	try:
	    os.getxattr(m, "user.fbr")
	    raise AssertionError("removed attribute still there")
	except OSError as e:
	    assert e.errno == errno.ENODATA, e
	EOF
}

@test "a 10000-entry directory lists the same twice, and as the source" {
	need_fuse
	python3 -c 'import os, sys
for i in range(10000):
    open(os.path.join(sys.argv[1], "entry-%05d-%s" % (i, "x" * (i % 40))), "w").close()' \
		"$src"
	run -0 "$FBR_MOUNT" "$src" "$mnt"
	first=$(ls -f "$mnt")
	second=$(ls -f "$mnt")
	[ "$first" = "$second" ]
	[ "$(ls -A "$mnt")" = "$(ls -A "$src")" ]
	[ "$(ls -A "$mnt" | wc -l)" -eq 10000 ]
}

@test "source edits show at once with cache=never, within a second with auto" {
	need_fuse
	echo one >"$src/f"
	run -0 "$FBR_MOUNT" --cache=never "$src" "$mnt"
	[ "$(cat "$mnt/f")" = one ]
	echo two-two >"$src/f"
	[ "$(cat "$mnt/f")" = two-two ]
	touch "$src/new"
	[ -e "$mnt/new" ]
	umount "$mnt"

	run -0 "$FBR_MOUNT" -o cache=auto "$src" "$mnt"
	[ "$(cat "$mnt/f")" = two-two ]
	echo three >"$src/f"
	wait_for 10 sh -c "[ \"\$(cat '$mnt/f')\" = three ]"
}

@test "-o ro: writes fail with EROFS" {
	need_fuse
	echo x >"$src/f"
	run -0 "$FBR_MOUNT" -o ro "$src" "$mnt"
	run -0 findmnt -rn -o OPTIONS --mountpoint "$mnt"
	[[ ",$output," == *,ro,* ]]
	run -1 --separate-stderr truncate -s 0 "$mnt/f"
	[[ "$stderr" == *"Read-only file system"* ]]
	run -1 --separate-stderr mkdir "$mnt/d"
	[[ "$stderr" == *"Read-only file system"* ]]
	[ "$(cat "$src/f")" = x ]
}

@test "unmount while busy fails and fbr-mount keeps serving; then it unmounts" {
	need_fuse
	echo busy >"$src/f"
	start_daemon
	exec 5<"$mnt/f"
	run -32 --separate-stderr umount "$mnt"
	[[ "$stderr" == *"busy"* ]]
	is_mounted "$mnt"
	[ "$(cat "$mnt/f")" = busy ]
	run -0 umount -l "$mnt"
	! is_mounted "$mnt"
	# Lazily detached: the open file still works, and the daemon serves it.
	run -0 cat <&5
	[ "$output" = busy ]
	kill -0 "$daemon_pid"
	exec 5<&-
	wait_daemon
	[ "$daemon_rc" -eq 0 ]
}

@test "unmounted from outside: fbr-mount exits 0" {
	need_fuse
	start_daemon
	run -0 umount "$mnt"
	wait_daemon
	[ "$daemon_rc" -eq 0 ]
}

@test "SIGTERM and SIGINT unmount cleanly and exit 0" {
	need_fuse
	for sig in TERM INT; do
		start_daemon
		kill -"$sig" "$daemon_pid"
		wait_daemon
	[ "$daemon_rc" -eq 0 ]
		! is_mounted "$mnt"
	done
}

@test "SIGKILL without auto_unmount leaves a dead mount (ENOTCONN)" {
	need_fuse
	start_daemon
	kill -KILL "$daemon_pid"
	wait_daemon
	is_mounted "$mnt"
	run -2 --separate-stderr ls "$mnt"
	[[ "$stderr" == *"Transport endpoint is not connected"* ]]
	run -0 umount -l "$mnt"
	! is_mounted "$mnt"
}

@test "SIGKILL with auto_unmount leaves no mount behind" {
	need_fuse
	# fusermount3 looks its mount up in /proc/mounts, which it can read
	# past an entry while other tests mount and unmount ("... not
	# mounted"): up to three tries.
	for try in 1 2 3; do
		start_daemon -o auto_unmount
		kill -KILL "$daemon_pid"
		wait_daemon
		wait_for 10 sh -c "! findmnt -rn --mountpoint '$mnt' >/dev/null" &&
			return 0
		echo "try $try: the mount stayed"
		umount -l "$mnt"
	done
	false
}

@test "SIGUSR1 reports inodes, handles, fds and requests in flight" {
	need_fuse
	echo x >"$src/f"
	start_daemon
	exec 5<"$mnt/f"
	kill -USR1 "$daemon_pid"
	wait_for 30 grep -q "requests in flight" "$BATS_TEST_TMPDIR/stderr"
	run -0 cat "$BATS_TEST_TMPDIR/stderr"
	[[ "$output" == *"open handles: 1"* ]]
	[[ "$output" == *"inodes: "* ]]
	[[ "$output" == *"fds in use: "* ]]
	exec 5<&-
	kill -TERM "$daemon_pid"
	wait_daemon
	[ "$daemon_rc" -eq 0 ]

	start_daemon --stats-file="$BATS_TEST_TMPDIR/stats"
	kill -USR1 "$daemon_pid"
	wait_for 30 grep -q "requests in flight: 0" "$BATS_TEST_TMPDIR/stats"
	grep -q "^workers: " "$BATS_TEST_TMPDIR/stats"
}

@test "mount(8) with type fuse.fbr-mount, as /etc/fstab would" {
	need_fuse
	command -v mount.fuse3 >/dev/null || skip "no mount.fuse3"
	command -v unshare >/dev/null || skip "no unshare"
	echo fstab >"$src/f"
	# mount(8) runs helpers with the default PATH: put fbr-mount on it,
	# in a mount namespace of this test's own.
	bin="$BATS_TEST_TMPDIR/bin"
	mkdir "$bin"
	ln -s "$FBR_MOUNT" "$bin/fbr-mount"
	run -0 unshare --mount --propagation private sh -ec '
		mount --bind "$1" /usr/local/sbin
		mount -t fuse.fbr-mount "$2" "$3" -o cache=never,_netdev,nofail
		cat "$3/f"
		findmnt -rn -o SOURCE,FSTYPE --mountpoint "$3"
		umount "$3"
		findmnt -rn --mountpoint "$3" || echo unmounted' \
		sh "$bin" "$src" "$mnt" 3>&- # a daemon left behind must not hold bats' output
	[ "$output" = "fstab
$src fuse.fbr-mount
unmounted" ]
}

@test "mount.fuse3 drop_privileges: fbr-mount serves the /dev/fd/N it is given" {
	need_fuse
	command -v mount.fuse3 >/dev/null || skip "no mount.fuse3"
	command -v unshare >/dev/null || skip "no unshare"
	echo passed >"$src/f"
	bin="$BATS_TEST_TMPDIR/bin"
	mkdir "$bin"
	ln -s "$FBR_MOUNT" "$bin/fbr-mount"
	# mount.fuse3 mounts by itself and runs "fbr-mount SOURCE /dev/fd/N".
	run -0 unshare --mount --propagation private sh -ec '
		mount --bind "$1" /usr/local/sbin
		mount -t fuse.fbr-mount "$2" "$3" -o drop_privileges,cache=never
		cat "$3/f"
		pgrep -f "fbr-mount $2 /dev/fd/[0-9]" >/dev/null && echo "fd passed"
		umount "$3"
		findmnt -rn --mountpoint "$3" || echo unmounted' \
		sh "$bin" "$src" "$mnt" 3>&- # a daemon left behind must not hold bats' output
	[ "$output" = "passed
fd passed
unmounted" ]
}

@test "an ordinary user mounts and unmounts through fusermount3" {
	need_fuse
	need_test_user
	# Debian's udev makes /dev/fuse 0666; a bare container may not.
	mode=$(stat -c %a /dev/fuse)
	if [ "$mode" != 666 ]; then
		fuse_mode=$mode
		chmod 666 /dev/fuse
	fi
	echo mine >"$src/f"
	chown -R "$TEST_USER:" "$src" "$mnt"
	run -0 "${as_user[@]}" "$FBR_MOUNT" "$src" "$mnt"
	run -0 findmnt -rn -o FSTYPE,OPTIONS --mountpoint "$mnt"
	[[ "$output" == "fuse.fbr-mount "*"user_id=$(id -u "$TEST_USER"),"* ]]
	run -0 "${as_user[@]}" cat "$mnt/f"
	[ "$output" = mine ]
	run -0 "${as_user[@]}" sh -c "echo new >'$mnt/g'"
	[ "$(stat -c %U "$src/g")" = "$TEST_USER" ]
	run -0 "${as_user[@]}" fusermount3 -u "$mnt"
	! is_mounted "$mnt"
	wait_for 30 sh -c "! pgrep -u '$TEST_USER' -x fbr-mount >/dev/null"

	# fbr-mount's own unmount on SIGTERM goes through fusermount3 too.
	"${as_user[@]}" "$FBR_MOUNT" -f "$src" "$mnt" 2>"$BATS_TEST_TMPDIR/stderr" 3>&- &
	daemon_pid=$!
	wait_for 30 "${as_user[@]}" test -e "$mnt/g"
	kill -TERM "$daemon_pid"
	wait_daemon
	[ "$daemon_rc" -eq 0 ]
	! is_mounted "$mnt"
}
