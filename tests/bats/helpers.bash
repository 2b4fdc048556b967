# Helpers for the bats tests that mount for real: where fbr-mount is, a
# source and a mountpoint under $BATS_TEST_TMPDIR, waiting with a timeout,
# and a teardown that leaves no mount or daemon behind (safe to run twice).

FBR_MOUNT="$top_builddir/tools/fbr-mount/fbr-mount"
TEST_USER=fbrtest

# Skip, saying why, unless this machine lets us mount FUSE filesystems.
need_fuse() {
	[ "${FBR_PRIVILEGED_TESTS:-yes}" = yes ] ||
		skip "mount tests disabled (--disable-privileged-tests, as make distcheck does)"
	[ -x "$FBR_MOUNT" ] || skip "fbr-mount is not built"
	[ "$(id -u)" -eq 0 ] || skip "mount tests need root"
	[ -c /dev/fuse ] || skip "no /dev/fuse"
	command -v fusermount3 >/dev/null || skip "no fusermount3 (Debian: fuse3)"
}

setup_dirs() {
	src="$BATS_TEST_TMPDIR/src"
	mnt="$BATS_TEST_TMPDIR/mnt"
	mkdir -p "$src" "$mnt"
	daemon_pid=
}

is_mounted() {
	findmnt -rn --mountpoint "$1" >/dev/null
}

# wait_for SECONDS COMMAND...: poll COMMAND every 50 ms until it succeeds.
wait_for() {
	local tries=$(($1 * 20))
	shift
	while ! "$@"; do
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || return 1
		sleep 0.05
	done
}

# Ended: gone, or a zombie waiting for us to collect its status.
is_gone() {
	[ ! -e "/proc/$1" ] || [ "$(awk '{ print $3 }' "/proc/$1/stat")" = Z ]
}

# Start fbr-mount in the foreground, in the background of this shell, and
# wait until the mount answers.  Sets daemon_pid.  Extra arguments first.
start_daemon() {
	"$FBR_MOUNT" -f "$@" "$src" "$mnt" 2>"$BATS_TEST_TMPDIR/stderr" 3>&- &
	daemon_pid=$!
	wait_for 30 is_mounted "$mnt"
	wait_for 30 stat "$mnt/." >/dev/null
}

# Wait at most 30 s (a loaded CI machine is slow) for fbr-mount to end; its exit status in daemon_rc.
wait_daemon() {
	daemon_rc=
	wait_for 30 is_gone "$daemon_pid" || return 1
	daemon_rc=0
	wait "$daemon_pid" || daemon_rc=$?
	daemon_pid=
	# Shown by bats when the test fails: what fbr-mount said.
	[ "$daemon_rc" -eq 0 ] || cat "$BATS_TEST_TMPDIR/stderr"
}

teardown_mounts() {
	if [ -n "${daemon_pid:-}" ] && kill -0 "$daemon_pid" 2>/dev/null; then
		kill -KILL "$daemon_pid" 2>/dev/null || true
		wait "$daemon_pid" 2>/dev/null || true
	fi
	daemon_pid=
	if [ -n "${mnt:-}" ]; then
		while is_mounted "$mnt"; do
			umount -l "$mnt" 2>/dev/null || break
		done
	fi
}

# The test user, created when missing; and a path to $BATS_TEST_TMPDIR
# it can walk, since bats makes its directories private.
need_test_user() {
	if ! id "$TEST_USER" >/dev/null 2>&1; then
		useradd --system --no-create-home --shell /usr/sbin/nologin \
			"$TEST_USER" || skip "cannot create user $TEST_USER"
	fi
	local d="$BATS_TEST_TMPDIR"
	while [ "$d" != / ] && [ "$d" != "$BATS_RUN_TMPDIR/.." ]; do
		chmod o+x "$d"
		d=$(dirname "$d")
	done
}

# As the test user: "${as_user[@]}" COMMAND... (an array, not a function,
# so that "$!" of a background command is the command itself).
as_user=(setpriv --reuid="$TEST_USER" --regid="$TEST_USER" --init-groups
	--reset-env --)

# Tests that set the fuse module's enable_uring hold this lock until they
# end (their process exits), so that two bats files run side by side by
# make check do not change it under each other.
hold_uring_param() {
	exec {uring_lock_fd}>"${TMPDIR:-/tmp}/fbr-tests-enable_uring.lock"
	flock "$uring_lock_fd"
}
