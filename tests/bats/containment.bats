#!/usr/bin/env bats
# Containment: nothing a client does reaches outside the shared directory.
# fbr-virtiofsd gets the crafted requests of tests/unit/test-containment
# ('..' and '/' in names, unknown and forgotten nodeids, symlinks and
# device nodes opened, links and renames out, /proc), through a fake
# front-end, sandboxed and not; no guest is booted.  fbr-mount gets what
# a kernel client can do: symlinks out of the source are followed by the
# client, on its side, never by the server; attributes set through a
# symlink's path with -h land on the link; a hard link across the mount
# fails; renaming the source's parent on the host leaves the mount
# serving the same tree.  Needs root.
#
# The source is $T/a/src and the mountpoint $T/mnt, so a relative symlink
# in the source resolves to different files on the client's side
# ($T/outside) and on the server's ($T/a/outside): what a read returns
# says who followed it.

bats_require_minimum_version 1.5.0

load helpers

VFSD="$top_builddir/tools/fbr-virtiofsd/fbr-virtiofsd"
PROG="$top_builddir/tests/unit/test-containment"
# LeakSanitizer cannot work in fbr-virtiofsd's sandbox (see
# virtiofsd-cli.bats), and the sanitizers' runtime makes system calls of
# its own: in a sanitizer build the seccomp filter logs them.
SAN_ENV=()
SECCOMP=kill
if [ "${FBR_SANITIZERS:-no}" = yes ]; then
	SAN_ENV=(ASAN_OPTIONS=detect_leaks=0)
	SECCOMP=log
fi

setup() {
	src="$BATS_TEST_TMPDIR/a/src"
	mnt="$BATS_TEST_TMPDIR/mnt"
	daemon_pid=
	mkdir -p "$src" "$mnt" "$BATS_TEST_TMPDIR/outside" \
		"$BATS_TEST_TMPDIR/a/outside"
	echo client-side >"$BATS_TEST_TMPDIR/outside/secret"
	echo server-side >"$BATS_TEST_TMPDIR/a/outside/secret"
}

teardown() {
	cd /
	teardown_mounts
	if [ -d "$BATS_TEST_TMPDIR/a.moved" ]; then
		mv "$BATS_TEST_TMPDIR/a.moved" "$BATS_TEST_TMPDIR/a"
	fi
}

need_vfsd() {
	[ "$(id -u)" -eq 0 ] || skip "the attacks need root"
	[ -x "$VFSD" ] || skip "fbr-virtiofsd is not built"
	[ -x "$PROG" ] || skip "tests/unit/test-containment is not built"
}

# stat of what must not change: inode, mode, owner, links, size, times.
fingerprint() {
	stat -c '%i %f %u %g %h %s %Y %Z' "$@"
}

@test "fbr-virtiofsd, unsandboxed: every crafted escape is refused" {
	need_vfsd
	run -0 "$PROG" "$VFSD" --sandbox none --seccomp "$SECCOMP"
	[[ "$output" != *"not ok"* ]]
	[[ "$output" == *"ok "*"fbr-virtiofsd: the server ends well"* ]]
}

@test "fbr-virtiofsd, sandboxed: every crafted escape is refused" {
	need_vfsd
	run -0 env "${SAN_ENV[@]}" "$PROG" "$VFSD" --seccomp "$SECCOMP"
	[[ "$output" != *"not ok"* ]]
	[[ "$output" == *"ok "*"fbr-virtiofsd: the server ends well"* ]]
}

@test "fbr-mount: a symlink out of the source is followed by the client" {
	need_fuse
	ln -s /etc/passwd "$src/ln-passwd"
	ln -s ../outside/secret "$src/ln-out"
	ln -s ../outside "$src/ln-outdir"
	start_daemon
	cmp "$mnt/ln-passwd" /etc/passwd
	run -0 cat "$mnt/ln-out"
	[ "$output" = client-side ]
	run -0 cat "$mnt/ln-outdir/secret"
	[ "$output" = client-side ]
	run -0 readlink "$mnt/ln-out"
	[ "$output" = ../outside/secret ]
}

@test "fbr-mount: owner, times and xattrs set with -h land on the link" {
	need_fuse
	command -v setfattr >/dev/null || skip "no setfattr (Debian: attr)"
	ln -s /etc/passwd "$src/ln-passwd"
	ln -s ../outside/secret "$src/ln-out"
	local before
	before=$(fingerprint /etc/passwd "$BATS_TEST_TMPDIR/a/outside/secret" \
		"$BATS_TEST_TMPDIR/outside/secret")
	start_daemon -o xattr
	chown -h 1234:1234 "$mnt/ln-passwd" "$mnt/ln-out"
	touch -h -d @1000000000 "$mnt/ln-passwd" "$mnt/ln-out"
	setfattr -h -n trusted.fbr -v link "$mnt/ln-out"
	run -0 stat -c '%u:%g %Y' "$src/ln-passwd" "$src/ln-out"
	[ "${lines[0]}" = "1234:1234 1000000000" ]
	[ "${lines[1]}" = "1234:1234 1000000000" ]
	run -0 getfattr -h --absolute-names --only-values -n trusted.fbr "$src/ln-out"
	[ "$output" = link ]
	run -1 getfattr --absolute-names --only-values -n trusted.fbr "$BATS_TEST_TMPDIR/a/outside/secret"
	[ "$(fingerprint /etc/passwd "$BATS_TEST_TMPDIR/a/outside/secret" \
		"$BATS_TEST_TMPDIR/outside/secret")" = "$before" ]
}

@test "fbr-mount: a hard link across the mount fails with EXDEV" {
	need_fuse
	echo inside >"$src/file"
	local before
	before=$(fingerprint "$BATS_TEST_TMPDIR/outside/secret")
	start_daemon
	run -1 ln "$BATS_TEST_TMPDIR/outside/secret" "$mnt/hl"
	[[ "$output" == *"Invalid cross-device link"* ]]
	run -1 ln "$mnt/file" "$BATS_TEST_TMPDIR/outside/hl"
	[[ "$output" == *"Invalid cross-device link"* ]]
	[ ! -e "$src/hl" ] && [ ! -e "$BATS_TEST_TMPDIR/outside/hl" ]
	[ "$(fingerprint "$BATS_TEST_TMPDIR/outside/secret")" = "$before" ]
}

@test "fbr-mount: the source's parent renamed on the host, the mount keeps its tree" {
	need_fuse
	mkdir -p "$src/sub/deeper"
	echo inside >"$src/file"
	start_daemon
	cd "$mnt/sub/deeper"
	mv "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/a.moved"
	run -0 cat ../../file
	[ "$output" = inside ]
	run -0 ls "$mnt"
	[ "$output" = "$(printf 'file\nsub')" ]
	touch "$mnt/new" ../made-here
	[ -f "$BATS_TEST_TMPDIR/a.moved/src/new" ]
	[ -f "$BATS_TEST_TMPDIR/a.moved/src/sub/made-here" ]
	[ ! -e "$BATS_TEST_TMPDIR/a" ]
	run -0 ls "$BATS_TEST_TMPDIR"
	[ "$output" = "$(printf 'a.moved\nmnt\noutside\nstderr')" ]
	cd /
	mv "$BATS_TEST_TMPDIR/a.moved" "$BATS_TEST_TMPDIR/a"
	run -0 ls "$mnt"
	[ "$output" = "$(printf 'file\nnew\nsub')" ]
}
