#!/usr/bin/env bats
# Locks through a real mount, against the same steps on a plain directory:
# POSIX record locks (a small python3 helper, lk.py, written below) and
# flock(1) between processes; locks on the source directory conflicting
# with locks through the mount, both ways; F_SETLKW waiters, more of them
# than fbr-mount has worker threads, leaving the mount answering at once;
# and waiters stopped by a signal, which are answered at once and never
# get the lock afterwards.  F_GETLK names the holder's pid as natively.
# OFD locks taken in turn by processes that open and close the file each
# round exclude each other.  Needs root and /dev/fuse; skips otherwise.

bats_require_minimum_version 1.5.0

load helpers

setup() {
	need_fuse
	command -v python3 >/dev/null || skip "no python3"
	command -v flock >/dev/null || skip "no flock(1)"
	setup_dirs
	native="$BATS_TEST_TMPDIR/native"
	mkdir -p "$native"
	printf 'some data\n' >"$src/f"
	printf 'some data\n' >"$native/f"
	bg_pids=()
	write_helper
}

teardown() {
	local p
	for p in "${bg_pids[@]}"; do
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	teardown_mounts
}

# lk.py ACTION PATH TYPE(R|W) START LEN [READY]
#   try:  F_SETLK; prints ok or the errno's name
#   get:  F_GETLK; prints "unlocked" or "TYPE START LEN", the pid on stderr
#   hold: F_SETLK, touches READY and waits to be killed
#   flock: the same with flock(), LOCK_SH for R and LOCK_EX for W
#   wait: touches READY, F_SETLKW; prints "granted" and ends, or, on
#         SIGUSR1, "EINTR" and stays (fd open) until killed
write_helper() {
	lk="$BATS_TEST_TMPDIR/lk.py"
	cat >"$lk" <<'EOF'
import errno, fcntl, os, signal, struct, sys

FMT = "hhqqi4x"  # struct flock on 64-bit Linux
TYPES = {"R": fcntl.F_RDLCK, "W": fcntl.F_WRLCK}
NAMES = {fcntl.F_RDLCK: "R", fcntl.F_WRLCK: "W"}

class Interrupted(Exception):
    pass

def on_usr1(sig, frame):
    raise Interrupted()

def lock(fd, cmd, t, start, length):
    return fcntl.fcntl(fd, cmd, struct.pack(FMT, t, os.SEEK_SET, start,
                                            length, 0))

def touch(path):
    open(path, "w").close()

action, path, t, start, length = sys.argv[1:6]
t, start, length = TYPES[t], int(start), int(length)
fd = os.open(path, os.O_RDWR)
if action == "try":
    try:
        lock(fd, fcntl.F_SETLK, t, start, length)
        print("ok")
    except OSError as e:
        print(errno.errorcode[e.errno])
elif action == "get":
    r = struct.unpack(FMT, lock(fd, fcntl.F_GETLK, t, start, length))
    if r[0] == fcntl.F_UNLCK:
        print("unlocked")
    else:
        print(NAMES[r[0]], r[2], r[3])
        print(r[4], file=sys.stderr)
elif action == "hold":
    lock(fd, fcntl.F_SETLK, t, start, length)
    touch(sys.argv[6])
    while True:
        signal.pause()
elif action == "flock":
    fcntl.flock(fd, fcntl.LOCK_SH if t == fcntl.F_RDLCK else fcntl.LOCK_EX)
    touch(sys.argv[6])
    while True:
        signal.pause()
elif action == "wait":
    signal.signal(signal.SIGUSR1, on_usr1)
    touch(sys.argv[6])
    try:
        lock(fd, fcntl.F_SETLKW, t, start, length)
        print("granted", flush=True)
    except Interrupted:
        print("EINTR", flush=True)
        signal.signal(signal.SIGUSR1, signal.SIG_IGN)
        while True:
            signal.pause()
EOF
}

# bg_start OUT COMMAND...: COMMAND in the background, stdout to OUT.
bg_start() {
	local out=$1
	shift
	"$@" >"$out" 2>/dev/null &
	bg_pids+=($!)
	bg_pid=$!
}

# hold DIR TYPE START LEN [ACTION]: a holder of that lock on DIR/f (with
# fcntl, or flock if ACTION is flock); sets bg_pid.
hold() {
	local ready="$BATS_TEST_TMPDIR/held.$RANDOM"
	bg_start /dev/null python3 "$lk" "${5:-hold}" "$1/f" "$2" "$3" "$4" \
		"$ready"
	wait_for 30 test -e "$ready"
}

stop() {
	kill -KILL "$1"
	wait "$1" 2>/dev/null || true
}

# The POSIX steps, run the same on DIR; prints what the lockers saw.
posix_steps() {
	local d=$1 holder
	hold "$d" W 0 10
	holder=$bg_pid
	echo "$holder" >"$BATS_TEST_TMPDIR/holder"
	python3 "$lk" try "$d/f" W 5 1
	python3 "$lk" try "$d/f" R 9 100
	python3 "$lk" try "$d/f" R 10 5
	python3 "$lk" get "$d/f" R 0 0 2>"$BATS_TEST_TMPDIR/pid"
	python3 "$lk" get "$d/f" W 10 5 2>/dev/null
	stop "$holder"
	python3 "$lk" try "$d/f" W 0 0
}

@test "POSIX locks between processes conflict as they do natively" {
	start_daemon
	want=$(posix_steps "$native")
	native_pid=$(cat "$BATS_TEST_TMPDIR/pid")
	native_holder=$(cat "$BATS_TEST_TMPDIR/holder")
	got=$(posix_steps "$mnt")
	mount_pid=$(cat "$BATS_TEST_TMPDIR/pid")
	mount_holder=$(cat "$BATS_TEST_TMPDIR/holder")
	echo "native: $want"
	echo "mount: $got"
	[ "$got" = "$want" ]
	[ "$want" = "EAGAIN
EAGAIN
ok
W 0 10
unlocked
ok" ]
	# F_GETLK names the holder, natively and through the mount.
	[ "$native_pid" -eq "$native_holder" ]
	[ "$mount_pid" -eq "$mount_holder" ]
}

# The flock steps on DIR.
flock_steps() {
	local d=$1 holder
	hold "$d" W 0 0 flock
	holder=$bg_pid
	flock -n -x "$d/f" true && echo ex || echo busy
	flock -n -s "$d/f" true && echo sh || echo busy
	stop "$holder"
	sleep 0.1
	flock -n -x "$d/f" true && echo ex || echo busy
}

@test "flock between processes conflicts as it does natively" {
	start_daemon
	want=$(flock_steps "$native")
	got=$(flock_steps "$mnt")
	echo "native: $want"
	echo "mount: $got"
	[ "$got" = "$want" ]
	[ "$want" = "busy
busy
ex" ]
}

@test "locks on the source directory and through the mount conflict" {
	start_daemon
	hold "$src" W 0 100
	holder=$bg_pid
	run python3 "$lk" try "$mnt/f" R 50 1
	[ "$output" = EAGAIN ]
	run --separate-stderr python3 "$lk" get "$mnt/f" R 0 0
	[ "$output" = "W 0 100" ]
	[ "$stderr" -eq "$holder" ]   # a classic lock on the host: its pid
	stop "$holder"

	hold "$mnt" R 0 0
	holder=$bg_pid
	run python3 "$lk" try "$src/f" W 1000 1
	[ "$output" = EAGAIN ]
	run python3 "$lk" try "$src/f" R 1000 1
	[ "$output" = ok ]
	stop "$holder"
	run python3 "$lk" try "$src/f" W 1000 1
	[ "$output" = ok ]

	hold "$src" R 0 0 flock
	holder=$bg_pid
	run flock -n -x "$mnt/f" true
	[ "$status" -ne 0 ]
	run flock -n -s "$mnt/f" true
	[ "$status" -eq 0 ]
	stop "$holder"
	run flock -n -x "$mnt/f" true
	[ "$status" -eq 0 ]
}

@test "waiting F_SETLKW callers do not hold up the mount" {
	printf 'other\n' >"$src/other"
	start_daemon --threads=2
	hold "$mnt" W 0 0
	holder=$bg_pid
	for i in 1 2 3 4; do
		bg_start "$BATS_TEST_TMPDIR/out$i" \
			python3 "$lk" wait "$mnt/f" W 0 0 "$BATS_TEST_TMPDIR/ready$i"
		waiters[i]=$bg_pid
	done
	for i in 1 2 3 4; do
		wait_for 30 test -e "$BATS_TEST_TMPDIR/ready$i"
	done
	sleep 0.3
	for i in 1 2 3 4; do
		[ ! -s "$BATS_TEST_TMPDIR/out$i" ]
	done
	# Names never looked up and a file never opened: the server must answer.
	run timeout 2 stat -c %s "$mnt/other"
	[ "$status" -eq 0 ]
	[ "$output" = 6 ]
	run timeout 2 cat "$mnt/other"
	[ "$output" = other ]
	run timeout 2 ls "$mnt"
	[ "$status" -eq 0 ]
	stop "$holder"
	for i in 1 2 3 4; do
		wait_for 30 is_gone "${waiters[i]}"
		[ "$(cat "$BATS_TEST_TMPDIR/out$i")" = granted ]
	done
}

@test "a signal ends a waiting F_SETLKW, which never gets the lock" {
	start_daemon
	hold "$mnt" W 0 0
	holder=$bg_pid
	out="$BATS_TEST_TMPDIR/out"
	bg_start "$out" python3 "$lk" wait "$mnt/f" W 0 0 "$BATS_TEST_TMPDIR/r1"
	caught=$bg_pid
	bg_start /dev/null python3 "$lk" wait "$mnt/f" W 0 0 "$BATS_TEST_TMPDIR/r2"
	killed=$bg_pid
	wait_for 30 test -e "$BATS_TEST_TMPDIR/r1"
	wait_for 30 test -e "$BATS_TEST_TMPDIR/r2"
	sleep 0.3

	kill -USR1 "$caught"
	wait_for 10 grep -q EINTR "$out"   # answered EINTR, still running
	kill -0 "$caught"
	kill -TERM "$killed"
	wait_for 10 is_gone "$killed"      # a fatal signal: gone at once

	stop "$holder"
	sleep 0.3
	# The interrupted caller still has f open: had the server gone on
	# waiting for it, it would hold the lock now.
	run python3 "$lk" try "$mnt/f" W 0 0
	[ "$output" = ok ]
	run python3 "$lk" try "$src/f" W 0 0
	[ "$output" = ok ]
	[ "$(cat "$out")" = EINTR ]
}

# 8 processes take turns with OFD locks, each opening and closing the file
# every round; under the lock, nobody else may be inside.  The kernel's
# owner of an OFD lock is its struct file, which a new open soon reuses
# while the old one's RELEASE is still on its way to the server.
@test "OFD locks of files opened and closed in turn keep others out" {
	start_daemon
	run -0 python3 - "$mnt/f" <<'EOF2'
import fcntl, os, struct, sys, time
F_OFD_SETLKW = 38
path, end = sys.argv[1], time.time() + 5
def lock(fd, t):
    fcntl.fcntl(fd, F_OFD_SETLKW, struct.pack("hhqqi4x", t, 0, 0, 8, 0))
with open(path, "wb") as f:
    f.write(bytes(8))
kids = []
for me in range(1, 9):
    pid = os.fork()
    if pid == 0:
        while time.time() < end:
            fd = os.open(path, os.O_RDWR)
            lock(fd, fcntl.F_WRLCK)
            if os.pread(fd, 8, 0) != bytes(8):
                print("two inside the lock")
                os._exit(1)
            os.pwrite(fd, struct.pack("q", me), 0)
            os.sched_yield()
            os.pwrite(fd, bytes(8), 0)
            lock(fd, fcntl.F_UNLCK)
            os.close(fd)
        os._exit(0)
    kids.append(pid)
sys.exit(sum(os.waitpid(p, 0)[1] != 0 for p in kids))
EOF2
}
