#!/usr/bin/env bats
# More files than fds: fbr-mount under `prlimit --nofile=512` serves a tree
# of 50 000 files (50 directories of 1000) that is created, walked, read
# and removed through the mount while the kernel holds a nodeid for each.
# Nothing may fail (EMFILE least of all), every byte must come back, and
# the server's fd count, sampled all along, stays well under the limit.
# The source is a tmpfs: on a disk filesystem creating 50 000 files takes
# most of a minute before FUSE adds anything.  Needs root and /dev/fuse;
# skips otherwise.

bats_require_minimum_version 1.5.0

load helpers

NOFILE=512
NDIRS=50
NFILES=1000

setup() {
	setup_dirs
	sampler_pid=
	src_tmpfs=
}

teardown() {
	cd /
	if [ -n "$sampler_pid" ]; then
		kill "$sampler_pid" 2>/dev/null || true
		wait "$sampler_pid" 2>/dev/null || true
	fi
	teardown_mounts
	if [ -n "$src_tmpfs" ]; then
		umount -l "$src" 2>/dev/null || true
	fi
}

# Write the most fds fbr-mount has open to $BATS_TEST_TMPDIR/maxfds, every
# 100 ms until killed.
sample_fds() {
	local n max=0
	while kill -0 "$daemon_pid" 2>/dev/null; do
		n=$(ls "/proc/$daemon_pid/fd" 2>/dev/null | wc -l)
		if [ "$n" -gt "$max" ]; then
			max=$n
			echo "$max" >"$BATS_TEST_TMPDIR/maxfds"
		fi
		sleep 0.1
	done
}

# Say how long the step took, as a TAP comment.
lap() {
	local now=$SECONDS
	echo "# $1: $((now - lap_start)) s" >&3
	lap_start=$now
}

# tree.py create|read ROOT: make the tree, or read it back and check every
# file; one process for all, so the run is the mount's time, not fork's.
tree() {
	python3 - "$@" <<'EOF'
import os, sys
op, root = sys.argv[1], sys.argv[2]
ndirs, nfiles = int(os.environ["NDIRS"]), int(os.environ["NFILES"])
bad = 0
for d in range(ndirs):
    dp = os.path.join(root, "d%02d" % d)
    if op == "create":
        os.mkdir(dp)
    for f in range(nfiles):
        p = os.path.join(dp, "f%04d" % f)
        want = ("%s %d %d\n" % (p[len(root):], d, f)).encode()
        if op == "create":
            with open(p, "wb") as fp:
                fp.write(want)
        else:
            with open(p, "rb") as fp:
                if fp.read() != want:
                    bad += 1
print("%s: %d wrong" % (op, bad))
sys.exit(1 if bad else 0)
EOF
}

@test "50 000 files through a server limited to 512 fds" {
	need_fuse
	command -v python3 >/dev/null || skip "no python3"
	command -v prlimit >/dev/null || skip "no prlimit (util-linux)"
	export NDIRS NFILES
	mount -t tmpfs -o size=512m fbr-fds "$src" || skip "cannot mount tmpfs"
	src_tmpfs=yes
	# prlimit execs fbr-mount, so $! is the server itself.  Names stay
	# trusted, so reads open nodeids whose fds the server closed long ago
	# (reopened from their handles) rather than looking them up afresh.
	prlimit --nofile=$NOFILE -- "$FBR_MOUNT" -f --entry-timeout 600 \
		"$src" "$mnt" \
		2>"$BATS_TEST_TMPDIR/stderr" 3>&- &
	daemon_pid=$!
	wait_for 30 is_mounted "$mnt"
	wait_for 30 stat "$mnt/." >/dev/null
	run -0 prlimit --pid "$daemon_pid" --nofile --noheadings --output SOFT,HARD
	[ "$(echo $output)" = "$NOFILE $NOFILE" ]
	sample_fds 3>&- &
	sampler_pid=$!
	lap_start=$SECONDS

	run -0 tree create "$mnt"
	[ "$output" = "create: 0 wrong" ]
	lap create
	[ "$(find "$src" -type f | wc -l)" -eq $((NDIRS * NFILES)) ]

	# The kernel holds a nodeid for every file: far more than 512.
	kill -USR1 "$daemon_pid"
	wait_for 30 grep -q "requests in flight" "$BATS_TEST_TMPDIR/stderr"
	inodes=$(sed -n 's/^inodes: //p' "$BATS_TEST_TMPDIR/stderr" | tail -1)
	echo "# inodes held: $inodes" >&3
	[ "$inodes" -gt $((NDIRS * NFILES / 2)) ]

	run -0 --separate-stderr find "$mnt" -type f
	[ -z "$stderr" ]
	[ "${#lines[@]}" -eq $((NDIRS * NFILES)) ]
	lap find

	run -0 tree read "$mnt"
	[ "$output" = "read: 0 wrong" ]
	lap read

	run -0 --separate-stderr rm -r "$mnt/"d*
	[ -z "$stderr" ]
	lap rm
	[ -z "$(ls -A "$src")" ]

	kill "$sampler_pid"
	wait "$sampler_pid" || true
	sampler_pid=
	max=$(cat "$BATS_TEST_TMPDIR/maxfds")
	echo "# most fds open: $max of $NOFILE" >&3
	[ "$max" -lt $((NOFILE * 3 / 4)) ]
	run grep -ci "too many open files\|EMFILE" "$BATS_TEST_TMPDIR/stderr"
	[ "$output" = 0 ]

	umount "$mnt"
	wait_daemon
	[ "$daemon_rc" -eq 0 ]
}
