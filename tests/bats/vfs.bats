#!/usr/bin/env bats
# fbr-mount --mount PATH=SOURCE: three sources under one mount, /one (a
# directory), /two/deep (a bind mount of that same directory: the same
# inode numbers) and /three (a tmpfs of its own).  The tree of read-only
# directories, files in each source, inode numbers unique across them,
# EXDEV between them, EROFS on the tree, statfs, and a server that gives
# back its inodes and fds.  Then the command line's errors.  Mounting needs
# root and /dev/fuse; skips otherwise.

bats_require_minimum_version 1.5.0

load helpers

setup() {
	setup_dirs
	a="$BATS_TEST_TMPDIR/a"
	b="$BATS_TEST_TMPDIR/b"
	c="$BATS_TEST_TMPDIR/c"
	mkdir -p "$a" "$b" "$c"
	binds=
}

teardown() {
	cd /
	teardown_mounts
	for d in $binds; do
		umount -l "$d" 2>/dev/null || true
	done
}

# The sources: $b the same directory as $a, $c a fresh tmpfs.
make_sources() {
	mount --bind "$a" "$b"
	binds="$b"
	mount -t tmpfs -o size=16m fbr-vfs-test "$c"
	binds="$b $c"
}

start_vfs() {
	"$FBR_MOUNT" -f "$@" --mount /one="$a" --mount /two/deep="$b" \
		--mount /three="$c" "$mnt" 2>"$BATS_TEST_TMPDIR/stderr" 3>&- &
	daemon_pid=$!
	wait_for 30 is_mounted "$mnt"
	wait_for 30 stat "$mnt/." >/dev/null
}

# errnos: for each line "OP ARG..." of stdin, what Python's os.OP(ARG...)
# fails with, or "ok"; one process for all (python starts slowly).
errnos() {
	python3 -c '
import errno, os, sys
for line in sys.stdin:
    op, *args = line.split()
    args = [int(a) if a.isdigit() else a for a in args]
    try:
        getattr(os, op)(*args)
        print("ok")
    except OSError as e:
        print(errno.errorcode[e.errno])'
}

@test "the tree of directories: names, modes, and the sources in it" {
	need_fuse
	make_sources
	echo one >"$a/f"
	echo three >"$c/g"
	start_vfs
	run -0 ls "$mnt"
	[ "$(echo $output)" = "one three two" ]
	run -0 ls "$mnt/two"
	[ "$output" = deep ]
	[ "$(stat -c '%F %a %U' "$mnt" "$mnt/two")" = "directory 555 root
directory 555 root" ]
	[ "$(cat "$mnt/one/f")" = one ]
	[ "$(cat "$mnt/two/deep/f")" = one ]
	[ "$(cat "$mnt/three/g")" = three ]
	run -0 ls -a "$mnt/two"
	[ "$(echo $output)" = ". .. deep" ]
	run -0 findmnt -rn -o SOURCE,FSTYPE --mountpoint "$mnt"
	[ "$output" = "vfs fuse.fbr-mount" ]
	[ ! -e "$mnt/nope" ]
}

@test "files in each source: create, write, read, rename, link, remove" {
	need_fuse
	make_sources
	start_vfs
	for d in one two/deep three; do
		cd "$mnt/$d"
		printf 'hello\n' >f-$$
		printf 'more\n' >>f-$$
		[ "$(cat f-$$)" = $'hello\nmore' ]
		mkdir dir
		mv f-$$ dir/g
		ln dir/g h
		[ "$(stat -c %h h)" -eq 2 ]
		[ "$(stat -c %i h)" = "$(stat -c %i dir/g)" ]
		ln -s dir/g s
		[ "$(cat s)" = $'hello\nmore' ]
		truncate -s 3 h
		[ "$(cat dir/g)" = hel ]
		chmod 600 h
		[ "$(stat -c %a dir/g)" = 600 ]
		rm h s dir/g
		rmdir dir
		[ -z "$(ls)" ]
		cd /
	done
	# They went to the sources: $a and $b are one directory.
	echo via-one >"$mnt/one/x"
	[ "$(cat "$a/x")" = via-one ]
	[ "$(cat "$mnt/two/deep/x")" = via-one ]
	echo via-three >"$mnt/three/y"
	[ "$(cat "$c/y")" = via-three ]
	[ ! -e "$a/y" ]
}

@test "inode numbers: unique across sources, stable, readdir's the same" {
	need_fuse
	make_sources
	echo x >"$a/x"
	touch "$c/first"
	mkdir "$a/sub"
	# The two sources really have the same numbers: the test means it.
	[ "$(stat -c %i "$a/x")" = "$(stat -c %i "$b/x")" ]
	start_vfs
	one=$(stat -c %i "$mnt/one/x")
	two=$(stat -c %i "$mnt/two/deep/x")
	[ "$one" != "$two" ]
	run -0 sh -c "find '$mnt' -printf '%i\n' | sort | uniq -d"
	[ -z "$output" ]
	[ "$(find "$mnt" | wc -l)" -eq 10 ]
	# ls -i takes d_ino from READDIR: it agrees with stat.
	[ "$(ls -i "$mnt/one" | awk '$2 == "x" { print $1 }')" = "$one" ]
	[ "$(ls -i "$mnt/two/deep" | awk '$2 == "x" { print $1 }')" = "$two" ]
	# From the source's own numbers: the same after a new mount.
	kill -TERM "$daemon_pid"
	wait_daemon
	[ "$daemon_rc" -eq 0 ]
	start_vfs
	[ "$(stat -c %i "$mnt/one/x")" = "$one" ]
	[ "$(stat -c %i "$mnt/two/deep/x")" = "$two" ]
}

@test "between sources: rename and link fail with EXDEV, mv copies" {
	need_fuse
	make_sources
	echo moving >"$c/m"
	start_vfs
	echo same >"$a/s"
	# Even between two views of one directory.
	run -0 errnos <<-EOF
		rename $mnt/three/m $mnt/one/m
		link $mnt/three/m $mnt/one/m
		rename $mnt/one/s $mnt/two/deep/t
		rename $mnt/one/s $mnt/one/t
	EOF
	[ "$(echo $output)" = "EXDEV EXDEV EXDEV ok" ]
	run -0 mv "$mnt/three/m" "$mnt/one/m"
	[ "$(cat "$a/m")" = moving ]
	[ ! -e "$c/m" ]
	run -0 cp --reflink=never "$mnt/one/m" "$mnt/three/copy"
	[ "$(cat "$c/copy")" = moving ]
}

@test "the tree's directories refuse changes with EROFS" {
	need_fuse
	make_sources
	echo x >"$a/x"
	start_vfs
	run -0 errnos <<-EOF
		mkdir $mnt/new
		mkdir $mnt/two/new
		rmdir $mnt/one
		rename $mnt/one $mnt/uno
		symlink x $mnt/two/l
		chmod $mnt/two 511
		rename $mnt/one/x $mnt/two/x
	EOF
	[ "$(echo $output)" = "EROFS EROFS EROFS EROFS EROFS EROFS EROFS" ]
	run -1 --separate-stderr touch "$mnt/two/file"
	[[ "$stderr" == *"Read-only file system"* ]]
	# access(W_OK) is EROFS too, even for root; R_OK and X_OK are fine.
	python3 -c 'import os, sys; sys.exit(os.access(sys.argv[1], os.W_OK) or
		not os.access(sys.argv[1], os.R_OK | os.X_OK))' "$mnt"
	# And creating still works in a source after those refusals.
	touch "$mnt/one/after"
	[ -e "$a/after" ]
}

@test "statfs: the tree's own on its directories, a source's within it" {
	need_fuse
	make_sources
	start_vfs
	[ "$(stat -f -c %b "$mnt")" -eq 0 ]
	[ "$(stat -f -c %b "$mnt/two")" -eq 0 ]
	[ "$(stat -f -c '%b %S' "$mnt/three")" = "$(stat -f -c '%b %S' "$c")" ]
	[ "$(stat -f -c '%b %S' "$mnt/one")" = "$(stat -f -c '%b %S' "$a")" ]
}

# The SIGUSR1 report's value of FIELD.
report() {
	: >"$BATS_TEST_TMPDIR/stats"
	kill -USR1 "$daemon_pid"
	wait_for 30 grep -q "requests in flight" "$BATS_TEST_TMPDIR/stats"
	sed -n "s/^$1: //p" "$BATS_TEST_TMPDIR/stats"
}

# report_le FIELD N: the report's FIELD is N or less.
report_le() {
	[ "$(report "$1")" -le "$2" ]
}

# The server's fds on files and directories of the sources (the workers'
# /dev/fuse, rings and eventfds come and go with the load).
source_fds() {
	local f n=0
	for f in /proc/"$daemon_pid"/fd/*; do
		case $(readlink "$f") in
		"$a"* | "$b"* | "$c"*) n=$((n + 1)) ;;
		esac
	done
	echo "$n"
}

source_fds_le() {
	[ "$(source_fds)" -le "$1" ]
}

@test "forgets reach each source: inodes and fds come back, unmount is clean" {
	need_fuse
	make_sources
	start_vfs --stats-file="$BATS_TEST_TMPDIR/stats"
	ls -R "$mnt" >/dev/null
	inodes=$(report inodes)
	fds=$(source_fds)
	for d in one two/deep three; do
		mkdir "$mnt/$d/many-${d%%/*}"
		for i in $(seq 100); do echo "$i" >"$mnt/$d/many-${d%%/*}/$i"; done
	done
	[ "$(report inodes)" -gt $((inodes + 300)) ]
	[ "$(source_fds)" -gt $((fds + 300)) ] # what the count sees
	wait_for 30 report_le "open handles" 0
	rm -r "$mnt/one/many-one" "$mnt/two/deep/many-two" "$mnt/three/many-three"
	# Unlinked, the kernel forgets them: each source gives its own back.
	wait_for 30 report_le inodes "$inodes"
	wait_for 30 source_fds_le "$fds"
	run -0 umount "$mnt"
	wait_daemon
	[ "$daemon_rc" -eq 0 ]
}

@test "FUSE passthrough works in every source" {
	need_fuse
	make_sources
	head -c 1M /dev/urandom >"$a/r"
	head -c 1M /dev/urandom >"$c/r"
	t="$BATS_TEST_TMPDIR/t.trace"
	start_vfs -d --trace "$t"
	if grep -q 'no FUSE passthrough: this kernel' "$BATS_TEST_TMPDIR/stderr"; then
		skip "this kernel has no FUSE passthrough"
	fi
	cmp "$a/r" "$mnt/one/r"
	cmp "$a/r" "$mnt/two/deep/r"
	cmp "$c/r" "$mnt/three/r"
	head -c 100k /dev/urandom >"$mnt/three/w"
	[ "$(stat -c %s "$c/w")" -eq 102400 ]
	umount "$mnt"
	wait_daemon
	run -0 "$top_builddir/tools/fbr-trace/fbr-trace" "$t"
	[ "$(grep -c 'OPEN(.*open_flags=FOPEN_PASSTHROUGH.*backing_id=' <<<"$output")" -eq 3 ]
	[[ "$output" == *'CREATE('*'name="w"'*'FOPEN_PASSTHROUGH'* ]]
	! grep -Eq ' (READ|WRITE)\(' <<<"$output"
}

# --- The command line ---

usage_fails() {
	local want=$1
	shift
	run -2 --separate-stderr "$FBR_MOUNT" "$@"
	[ "$stderr" = "fbr-mount: $want
Try 'fbr-mount --help' for more information." ] || { echo "$stderr"; false; }
}

@test "--mount: bad paths and combinations are usage errors" {
	[ -x "$FBR_MOUNT" ] || skip "fbr-mount is not built"
	usage_fails "--mount a=$a: the path must be absolute, below /, with no . or .. in it" \
		--mount "a=$a" "$mnt"
	usage_fails "--mount /=$a: the path must be absolute, below /, with no . or .. in it" \
		--mount "/=$a" "$mnt"
	usage_fails "--mount /x/../y=$a: the path must be absolute, below /, with no . or .. in it" \
		--mount "/x/../y=$a" "$mnt"
	usage_fails "--mount /a/=$b: the path is given twice" \
		--mount "/a=$a" --mount "/a/=$b" "$mnt"
	usage_fails "--mount /a/b=$b: the path lies inside another --mount path, or holds one" \
		--mount "/a=$a" --mount "/a/b=$b" "$mnt"
	usage_fails "--mount /a=$b: the path lies inside another --mount path, or holds one" \
		--mount "/a/b=$a" --mount "/a=$b" "$mnt"
	usage_fails "invalid --mount: '/a' (PATH=SOURCE)" --mount /a "$mnt"
	usage_fails "invalid --mount: '/a=' (PATH=SOURCE)" --mount /a= "$mnt"
	usage_fails "a source and --mount exclude each other" \
		--mount "/a=$a" "$src" "$mnt"
	usage_fails "missing mountpoint" --mount "/a=$a"
	run -0 "$FBR_MOUNT" --help
	[[ "$output" == *"--mount <path>=<source>"* ]]
}

@test "--mount with a missing source: exit 1 naming it" {
	need_fuse
	run -1 --separate-stderr "$FBR_MOUNT" -f --mount /a="$a" \
		--mount /b="$BATS_TEST_TMPDIR/none" "$mnt"
	[ "$stderr" = "fbr-mount: --mount /b=$BATS_TEST_TMPDIR/none: No such file or directory" ]
	! is_mounted "$mnt"
}

@test "a source's notification names the mount's nodeid (an ACL's mask)" {
	make_sources
	echo x >"$a/f"
	chmod 0664 "$a/f"
	start_vfs -o cache=always --xattr
	[ "$(stat -c %a "$mnt/one/f")" = 664 ]
	# An access ACL whose mask is r--: the group bits become r--.
	python3 -c '
import os, struct, sys
e = [(0x01, 6), (0x04, 6), (0x10, 4), (0x20, 4)]
blob = struct.pack("<I", 2) + b"".join(
    struct.pack("<HHI", tag, perm, 0xffffffff) for tag, perm in e)
os.setxattr(sys.argv[1], "system.posix_acl_access", blob)' "$mnt/one/f" ||
		skip "no ACLs here"
	[ "$(stat -c %a "$a/f")" = 644 ]
	# cache=always keeps attributes a day: only INVAL_INODE, sent for
	# the mount's nodeid of the file, makes the kernel ask again.
	[ "$(stat -c %a "$mnt/one/f")" = 644 ]
}
