#!/usr/bin/env bats
# fbr-stress (tests/stress) through fbr-mount: eight processes of mixed
# calls for FBR_STRESS_SECONDS (20) on the mount, every result as the
# model predicts; then, the tree removed through the mount, the server
# holds no more inodes, handles and fds than when idle and its resident
# memory has not grown past a bound.  Again on a server with few fds.
# The same program on a native directory (the model is right there too),
# a file corrupted behind the model's back (the check catches it), and
# its usage errors.  The mount tests need root and /dev/fuse; they skip
# otherwise.

bats_require_minimum_version 1.5.0

load helpers

STRESS="$top_builddir/tests/stress/fbr-stress"
STRESS_TIME=${FBR_STRESS_SECONDS:-20}

setup() {
	[ -x "$STRESS" ] || skip "fbr-stress is not built"
	setup_dirs
	native="$BATS_TEST_TMPDIR/native"
	mkdir -p "$native"
}

teardown() {
	cd /
	teardown_mounts
}

# The SIGUSR1 report's value for KEY ("inodes", "open handles", ...).
report() {
	local stats="$BATS_TEST_TMPDIR/stats"
	rm -f "$stats"
	kill -USR1 "$daemon_pid"
	wait_for 30 grep -q "^requests in flight" "$stats" || return 1
	sed -n "s/^$1: //p" "$stats"
}

rss_kb() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$daemon_pid/status"
}

# The server's fds: those on files of the source (the driver's: inodes,
# open files, lock descriptions), then all of them.
server_fds() {
	find "/proc/$daemon_pid/fd" -mindepth 1 -printf '%l\n' |
		awk -v src="$src" 'index($0, src) == 1 { n++ }
			END { print n + 0, NR }'
}

# What the server holds: inodes, open handles, fds (as server_fds).
holdings() {
	echo "$(report inodes) $(report "open handles") $(server_fds)"
}

# As when idle: no more inodes and fds on the source, no open handle, and
# other fds grown by at most three per worker the load added (a /dev/fuse
# clone, a ring and its eventfd).
like_idle() {
	local now workers
	read -r -a now <<<"$(holdings)"
	workers=$(report workers)
	[ "${now[0]}" -le "${idle[0]}" ] && [ "${now[1]}" -eq 0 ] &&
		[ "${now[2]}" -le "${idle[2]}" ] &&
		[ "${now[3]}" -le $((idle[3] + 3 * workers)) ]
}

# Poll like_idle for 30 s (each poll is several SIGUSR1 reports).
wait_idle() {
	local end=$((SECONDS + 30))
	until like_idle; do
		if [ "$SECONDS" -ge "$end" ]; then
			echo "idle: ${idle[*]}; now: $(holdings)" \
				"(inodes, handles, fds on the source, all fds)"
			return 1
		fi
		sleep 0.2
	done
}

# Run fbr-stress with ARGS; its totals as TAP comments.
stress() {
	run --separate-stderr "$STRESS" "$@"
	grep -E '^(all|counters)' <<<"$output" | sed 's/^/# /' >&3
	[ -z "$stderr" ] || echo "$stderr"
}

@test "fbr-stress: the model holds on a native directory" {
	stress -t "${FBR_STRESS_SECONDS:-5}" "$native"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	[[ "$output" == *"calls/s)"* ]]
}

@test "fbr-stress through fbr-mount: no difference, and the server back near idle" {
	need_fuse
	start_daemon --xattr --stats-file="$BATS_TEST_TMPDIR/stats"
	read -r -a idle <<<"$(holdings)"
	idle_rss=$(rss_kb)

	stress -t "$STRESS_TIME" "$mnt"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	busy_rss=$(rss_kb)

	rm -r "$mnt"/*
	[ -z "$(ls -A "$src")" ]
	wait_idle
	rss=$(rss_kb)
	echo "# server: inodes, handles, fds on the source, all fds: idle ${idle[*]}, after removal $(holdings)" >&3
	echo "# server VmRSS: idle $idle_rss kB, after the run $busy_rss kB, after removal $rss kB" >&3
	# Runs of 10 s to 60 s (80 000 to 550 000 calls) left it 0.5 to 1 MB
	# over idle: worker stacks and buffers and malloc arenas, touched
	# once; nothing grows with the calls made.  4 MiB is four times the
	# most seen, and less than the smallest leak per call (a 32-byte
	# malloc chunk) comes to over the 150 000 calls of the default run.
	# ASan's shadow memory and quarantine make RSS no measure at all.
	if [ "${FBR_SANITIZERS:-no}" = no ]; then
		[ "$rss" -le $((idle_rss + 4096)) ]
	fi

	umount "$mnt"
	wait_daemon
	[ "$daemon_rc" -eq 0 ]
}

@test "fbr-stress through fbr-mount limited to 256 fds: inodes reopened from handles" {
	need_fuse
	command -v prlimit >/dev/null || skip "no prlimit (util-linux)"
	# Far fewer fds than the nodeids the kernel holds: the server closes
	# inode fds and reopens them from their handles, and the host reuses
	# the numbers of removed files while the kernel still holds them.
	prlimit --nofile=256 -- "$FBR_MOUNT" -f --xattr "$src" "$mnt" \
		2>"$BATS_TEST_TMPDIR/stderr" 3>&- &
	daemon_pid=$!
	wait_for 30 is_mounted "$mnt"
	wait_for 30 stat "$mnt/." >/dev/null
	stress -t "$((STRESS_TIME / 2))" "$mnt"
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	umount "$mnt"
	wait_daemon
	[ "$daemon_rc" -eq 0 ]
}

@test "fbr-stress: a file corrupted behind the model's back is caught" {
	need_fuse
	start_daemon --xattr
	stress -F -t 3 -s 7 "$mnt"
	[ "$status" -eq 1 ]
	[[ "$stderr" == *"p0, call "*", final check: "* ]]
}

@test "fbr-stress: usage errors exit 2" {
	run -2 --separate-stderr "$STRESS" -p 0 "$native"
	[ "$stderr" = "fbr-stress: invalid process count '0'
Try 'fbr-stress --help' for more information." ]
	touch "$native/x"
	run -2 --separate-stderr "$STRESS" "$native"
	[ "$stderr" = "fbr-stress: '$native' is not empty" ]
	run -0 "$STRESS" --help
	[[ "$output" == "Usage: fbr-stress [options] <dir>"* ]]
}
