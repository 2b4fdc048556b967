#!/usr/bin/env bats
# The POSIX conformance suite, tests/posix/fbr-posix, one test per family
# of calls: run as root and three other identities on a native directory,
# where every line must match the Linux expectation the suite encodes,
# then on the same kind of directory served by fbr-mount -o
# allow_other,default_permissions, whose output must be the native one,
# line for line.  A tmpfs on DIR/xdev in both adds the EXDEV cases.  Needs
# root and /dev/fuse; skips otherwise.

bats_require_minimum_version 1.5.0

load helpers

POSIX="$top_builddir/tests/posix/fbr-posix"

# Why the whole file must skip, or nothing.
why_skip() {
	[ "${FBR_PRIVILEGED_TESTS:-yes}" = yes ] ||
		{ echo "mount tests disabled (--disable-privileged-tests)"; return; }
	[ -x "$POSIX" ] || { echo "fbr-posix is not built"; return; }
	[ -x "$FBR_MOUNT" ] || { echo "fbr-mount is not built"; return; }
	[ "$(id -u)" -eq 0 ] || { echo "the POSIX suite needs root"; return; }
	[ -c /dev/fuse ] || { echo "no /dev/fuse"; return; }
}

# Another filesystem at DIR/xdev, mode 1777, when tmpfs can be mounted.
add_xdev() {
	mkdir -m 1777 "$1/xdev"
	mount -t tmpfs -o mode=1777,size=16m fbr-posix-xdev "$1/xdev" 2>/dev/null ||
		rmdir "$1/xdev"
}

setup_file() {
	export POSIX_SKIP POSIX_BASE POSIX_MOUNT_ERR
	POSIX_SKIP=$(why_skip)
	[ -z "$POSIX_SKIP" ] || return 0
	# The test identities must walk to the directories: not under the
	# private bats directories.
	POSIX_BASE=$(mktemp -d /tmp/fbr-posix-XXXXXX)
	chmod 755 "$POSIX_BASE"
	mkdir -m 755 "$POSIX_BASE/native" "$POSIX_BASE/src" "$POSIX_BASE/mnt"
	add_xdev "$POSIX_BASE/native"
	add_xdev "$POSIX_BASE/src"
	if [ -d "$POSIX_BASE/native/xdev" ] && [ ! -d "$POSIX_BASE/src/xdev" ]; then
		umount -l "$POSIX_BASE/native/xdev" && rmdir "$POSIX_BASE/native/xdev"
	fi
	POSIX_MOUNT_ERR=
	"$FBR_MOUNT" -o allow_other,default_permissions \
		"$POSIX_BASE/src" "$POSIX_BASE/mnt" 3>&- 2>"$POSIX_BASE/mount.err" ||
		POSIX_MOUNT_ERR="fbr-mount failed: $(cat "$POSIX_BASE/mount.err")"
}

teardown_file() {
	[ -n "${POSIX_BASE:-}" ] || return 0
	cd /
	local d
	while findmnt -rn --mountpoint "$POSIX_BASE/mnt" >/dev/null; do
		umount "$POSIX_BASE/mnt" 2>/dev/null || umount -l "$POSIX_BASE/mnt" || break
	done
	for d in native src; do
		! findmnt -rn --mountpoint "$POSIX_BASE/$d/xdev" >/dev/null ||
			umount -l "$POSIX_BASE/$d/xdev"
	done
	rm -rf "$POSIX_BASE"
}

setup() {
	[ -z "$POSIX_SKIP" ] || skip "$POSIX_SKIP"
	[ -z "$POSIX_MOUNT_ERR" ] || { echo "$POSIX_MOUNT_ERR"; return 1; }
}

KNOWN="$top_srcdir/tests/posix/known-differences"

# The lines of FILE whose case is not a known difference.
without_known() {
	grep -v '^#' "$KNOWN" | sed 's/$/: /' | grep -v -F -f - "$1" || true
}

# Every known difference of this family must still differ.
known_still_differ() {
	local c fixed=0
	for c in $(grep -v '^#' "$KNOWN" | grep "^$1/"); do
		if [ "$(grep -F "$c: " "$2")" = "$(grep -F "$c: " "$3" | sed 's/  \[expected.*//')" ]; then
			echo "$c now matches native: remove it from $KNOWN"
			fixed=1
		fi
	done
	return $fixed
}

# posix FAMILY: the family natively (no line off the expectation), then
# on the mount (the same lines).
posix() {
	local out="$BATS_TEST_TMPDIR" status_native=0 status_mount=0
	"$POSIX" "$POSIX_BASE/native" "$1" >"$out/native" 2>"$out/native.err" ||
		status_native=$?
	"$POSIX" "$POSIX_BASE/mnt" "$1" >"$out/mount" 2>"$out/mount.err" ||
		status_mount=$?
	cat "$out/native.err" "$out/mount.err"
	if [ "$status_native" -ne 0 ]; then
		echo "native run, off the expectation (exit $status_native):"
		grep -F '[expected' "$out/native" || true
		return 1
	fi
	[ "$(wc -l <"$out/native")" -gt 0 ]
	case $1 in
	link | rename)	# the EXDEV cases, with the tmpfs
		[ ! -d "$POSIX_BASE/native/xdev" ] || grep -q '/exdev' "$out/native" ;;
	esac
	known_still_differ "$1" "$out/native" "$out/mount"
	if ! diff -u <(without_known "$out/native") <(without_known "$out/mount") \
		>"$out/diff"; then
		echo "mount differs from native (exit $status_mount):"
		grep '^[-+][^-+]' "$out/diff"
		return 1
	fi
}

@test "posix: the families listed are the ones tested here" {
	run -0 "$POSIX" -l
	[ "$output" = "$(printf '%s\n' chmod chown link mkdir mkfifo mknod open \
		rename rmdir symlink truncate ftruncate unlink utimensat \
		posix_fallocate)" ]
}

@test "posix: chmod" { posix chmod; }
@test "posix: chown" { posix chown; }
@test "posix: link" { posix link; }
@test "posix: mkdir" { posix mkdir; }
@test "posix: mkfifo" { posix mkfifo; }
@test "posix: mknod" { posix mknod; }
@test "posix: open" { posix open; }
@test "posix: rename" { posix rename; }
@test "posix: rmdir" { posix rmdir; }
@test "posix: symlink" { posix symlink; }
@test "posix: truncate" { posix truncate; }
@test "posix: ftruncate" { posix ftruncate; }
@test "posix: unlink" { posix unlink; }
@test "posix: utimensat" { posix utimensat; }
@test "posix: posix_fallocate" { posix posix_fallocate; }
