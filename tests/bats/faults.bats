#!/usr/bin/env bats
# Faults.  fbr-mount SIGKILLed while writers, readers and a find are at
# work: each of them fails on the lost connection and nothing else,
# umount works after, and with auto_unmount no mount is left.  The
# source's filesystem full: ENOSPC reaches the caller (at write, or with
# the writeback cache at fsync and close), what was written before stays
# intact and the server keeps serving.  A server limited to 64 fds facing
# 2000 files and 200 opens: only EMFILE, and everything works again once
# the files are closed.  The source directory removed, or renamed away
# and replaced, under the mount: the server keeps the directory it
# opened.  The guest of fbr-virtiofsd killed with requests in flight: the
# daemon exits 0 and the host's files are intact.  Needs root and
# /dev/fuse (and QEMU for the guest); skips otherwise.

bats_require_minimum_version 1.5.0

load helpers
load guest

setup() {
	setup_dirs
	load_pids=()
	src_tmpfs=
	qemu_pid=
	holder_pid=
}

teardown() {
	cd /
	for pid in "${load_pids[@]}" $qemu_pid $holder_pid; do
		kill -KILL "$pid" 2>/dev/null || true
	done
	teardown_mounts
	if [ -n "$src_tmpfs" ]; then
		umount -l "$src" 2>/dev/null || true
	fi
}

# load_loop N COMMAND...: run COMMAND in the mount until it fails, with
# the mount as the working directory (so that a mount detached meanwhile
# fails it too, instead of the bare mountpoint taking the writes).  Each
# pass adds a line to load.N.count; the failing pass leaves its stderr in
# load.N.err.
load_loop() {
	local n=$1
	shift
	cd "$mnt" 2>"$BATS_TEST_TMPDIR/load.$n.err" || return 0
	while "$@" >/dev/null 2>"$BATS_TEST_TMPDIR/load.$n.err"; do
		echo >>"$BATS_TEST_TMPDIR/load.$n.count"
	done
}

# Three dd writers, two cat readers and a find, in the background.
start_load() {
	local i
	rm -f "$BATS_TEST_TMPDIR"/load.*
	for i in 1 2 3; do
		load_loop "$i" dd if=/dev/zero of="w$i" bs=64k count=32 3>&- &
		load_pids+=($!)
	done
	for i in 4 5; do
		load_loop "$i" cat r1 r2 r3 3>&- &
		load_pids+=($!)
	done
	load_loop 6 find . 3>&- &
	load_pids+=($!)
}

load_busy() {
	for n in 1 2 3 4 5 6; do
		[ -s "$BATS_TEST_TMPDIR/load.$n.count" ] || return 1
	done
}

load_ended() {
	for pid in "${load_pids[@]}"; do
		is_gone "$pid" || return 1
	done
}

# The workload under way, SIGKILL the server; the workload must end, each
# loop on a lost connection: ENOTCONN for a request made after the
# kernel aborted the connection, ECONNABORTED for one it was waiting on,
# ECANCELED for one it had handed to the io_uring queue of the dead
# server; and rarely (3 loops in some 500 kills, with and without
# io_uring) EIO, which the kernel gives a request when copying it to or
# from the server fails, as it may while the server dies.
kill_under_load() {
	for i in 1 2 3; do
		head -c 262144 /dev/urandom >"$src/r$i"
	done
	start_load
	wait_for 30 load_busy
	sleep 0.5
	kill -KILL "$daemon_pid"
	wait_daemon
	wait_for 30 load_ended
	for pid in "${load_pids[@]}"; do
		wait "$pid"
	done
	load_pids=()
	cat "$BATS_TEST_TMPDIR"/load.*.err >"$BATS_TEST_TMPDIR/errors"
	echo "# the loops' errors:$(sed 's/.*: //' "$BATS_TEST_TMPDIR/errors" |
		sort | uniq -c | tr -s ' \n' ' ')" >&3
	for n in 1 2 3 4 5 6; do
		[ -s "$BATS_TEST_TMPDIR/load.$n.err" ]
	done
	run grep -v -e "Transport endpoint is not connected" \
		-e "Software caused connection abort" -e "Operation canceled" \
		-e "Input/output error" \
		"$BATS_TEST_TMPDIR/errors"
	[ -z "$output" ]
}

@test "SIGKILL under load: every caller fails on the lost connection; umount works" {
	need_fuse
	start_daemon
	kill_under_load
	is_mounted "$mnt"
	run -2 --separate-stderr ls "$mnt"
	[[ "$stderr" == *"Transport endpoint is not connected"* ]]
	run -0 umount "$mnt"
	! is_mounted "$mnt"
}

@test "SIGKILL under load with auto_unmount: no mount left, nothing written beneath" {
	need_fuse
	# fusermount3 3.14 can miss its mount in /proc/mounts while other
	# tests mount and unmount (mount.bats): up to three tries.
	for try in 1 2 3; do
		start_daemon -o auto_unmount
		kill_under_load
		if wait_for 10 sh -c "! findmnt -rn --mountpoint '$mnt' >/dev/null"
		then
			[ -z "$(ls -A "$mnt")" ]
			return 0
		fi
		echo "try $try: the mount stayed"
		umount -l "$mnt"
	done
	false
}

# source_full passthrough|server|writeback OPTIONS...: fill a 4 MiB tmpfs
# source through the mount, fbr-mount started with OPTIONS.  The data
# reaches the source through the backing file, or through the server,
# which the trace tells.
source_full() {
	local mode=$1 fail_at="error writing" size
	shift
	need_fuse
	mount -t tmpfs -o size=4m fbr-faults "$src" || skip "cannot mount tmpfs"
	src_tmpfs=yes
	keep="$BATS_TEST_TMPDIR/keep"
	head -c 1048576 /dev/urandom >"$keep"
	start_daemon --trace "$BATS_TEST_TMPDIR/t.fbrt" "$@"
	cp "$keep" "$mnt/keep"
	cmp "$keep" "$src/keep"

	# The writeback cache takes the write; the server's ENOSPC comes
	# back at fsync, and at close.
	[ "$mode" != writeback ] || fail_at="fsync failed"
	run -1 --separate-stderr dd if=/dev/zero of="$mnt/fill" bs=64k \
		count=128 conv=fsync
	echo "# ${stderr_lines[0]}" >&3
	[[ "$stderr" == "dd: $fail_at"*": No space left on device"* ]]
	run -1 --separate-stderr cp "$keep" "$mnt/more"
	echo "# $stderr" >&3
	[[ "$stderr" == *"No space left on device"* ]]

	# Nothing before is harmed; the server serves on.
	cmp "$keep" "$mnt/keep"
	cmp "$keep" "$src/keep"
	[ "$(ls "$mnt" | tr '\n' ' ')" = "fill keep more " ]
	kill -0 "$daemon_pid"
	# The source holds what fit, and the mount reads it back.
	size=$(stat -c %s "$src/fill")
	[ "$size" -lt $((128 * 65536)) ]
	cmp -n "$size" "$mnt/fill" "$src/fill"
	if [ "$mode" = writeback ]; then
		# The kernel trusts the size it has over the server's: the
		# caller's, the failed writes included.
		[ "$(stat -c %s "$mnt/fill")" -eq $((128 * 65536)) ]
	else
		[ "$(stat -c %s "$mnt/fill")" -eq "$size" ]
	fi

	# Space freed, writes work again.
	rm "$mnt/fill" "$mnt/more"
	run -0 dd if="$keep" of="$mnt/again" bs=64k conv=fsync
	cmp "$keep" "$src/again"
	run -0 umount "$mnt"
	wait_daemon
	[ "$daemon_rc" -eq 0 ]
	run -0 "$top_builddir/tools/fbr-trace/fbr-trace" "$BATS_TEST_TMPDIR/t.fbrt"
	if [ "$mode" = passthrough ]; then
		[[ "$output" == *'CREATE('*'name="fill"'*'FOPEN_PASSTHROUGH'* ]]
		[[ "$output" != *'WRITE('* ]]
	else
		[[ "$output" == *'WRITE('*'path="/fill"'*') = ENOSPC'* ]]
	fi
}

@test "the source full, with FUSE passthrough: ENOSPC at write, the rest intact" {
	source_full passthrough
}

@test "the source full, through the server: ENOSPC at write, the rest intact" {
	source_full server --no-passthrough
}

@test "the source full, with the writeback cache: ENOSPC at fsync, the rest intact" {
	source_full writeback --writeback
}

# emfile_only LINE TOTAL MIN: LINE is "what: N {'EMFILE': M}" or
# "what: N {}", with N + M = TOTAL and N >= MIN; N in BASH_REMATCH[1].
emfile_only() {
	[[ "$1" =~ ^[a-z\ ]+:\ ([0-9]+)\ \{(\'EMFILE\':\ ([0-9]+))?\}$ ]] &&
		[ "${BASH_REMATCH[1]}" -ge "$3" ] &&
		[ $((BASH_REMATCH[1] + ${BASH_REMATCH[3]:-0})) -eq "$2" ]
}

@test "a server limited to 64 fds: 2000 files, 200 opens: EMFILE only, then all works" {
	need_fuse
	command -v python3 >/dev/null || skip "no python3"
	command -v prlimit >/dev/null || skip "no prlimit (util-linux)"
	for i in $(seq 0 1999); do echo "file $i"; done |
		split -l 1 -a 4 -d - "$src/f"
	prlimit --nofile=64 -- "$FBR_MOUNT" -f "$src" "$mnt" \
		2>"$BATS_TEST_TMPDIR/stderr" 3>&- &
	daemon_pid=$!
	wait_for 30 is_mounted "$mnt"
	wait_for 30 stat "$mnt/." >/dev/null
	# Each line: what was done, and how many failed with which errno.
	run -0 python3 - "$mnt" <<-'EOF'
	import collections, errno, os, sys
	mnt = sys.argv[1]
	names = ["f%04d" % i for i in range(2000)]
	def want(name):
	    return b"file %d\n" % int(name[1:])
	def tally(what, op, items):
	    done, errs = [], collections.Counter()
	    for i in items:
	        try:
	            done.append((i, op(i)))
	        except OSError as e:
	            errs[errno.errorcode[e.errno]] += 1
	    print("%s: %d %s" % (what, len(done), dict(errs)))
	    return done
	path = lambda n: os.path.join(mnt, n)
	tally("stat", lambda n: os.stat(path(n)), names)
	held = tally("held", lambda n: os.open(path(n), os.O_RDONLY), names[:200])
	tally("stat while held", lambda n: os.stat(path(n)), names)
	def create(n):
	    os.close(os.open(path(n), os.O_CREAT | os.O_WRONLY, 0o644))
	tally("created", create, ["new%02d" % i for i in range(20)])
	bad = sum(os.pread(fd, 100, 0) != want(n) for n, fd in held)
	print("bad reads while held:", bad)
	tally("closed", lambda h: os.close(h[1]), held)
	def check(n):
	    with open(path(n), "rb") as f:
	        if f.read() != want(n):
	            raise OSError(errno.EBADMSG, n)
	tally("read after", check, names)
	tally("created after", create, ["later%02d" % i for i in range(20)])
	print("listed:", len(os.listdir(mnt)))
	EOF
	printf '# %s\n' "${lines[@]}" >&3
	[ "${lines[0]}" = "stat: 2000 {}" ]
	# Some opens succeed; those that fail, fail for want of fds.
	emfile_only "${lines[1]}" 200 10
	held=${BASH_REMATCH[1]}
	[ "${lines[2]}" = "stat while held: 2000 {}" ]
	# A create refused is not half made.
	emfile_only "${lines[3]}" 20 0
	created=${BASH_REMATCH[1]}
	[ "$(ls "$src" | grep -c '^new')" -eq "$created" ]
	[ "${lines[4]}" = "bad reads while held: 0" ]
	[ "${lines[5]}" = "closed: $held {}" ]
	[ "${lines[6]}" = "read after: 2000 {}" ]
	[ "${lines[7]}" = "created after: 20 {}" ]
	[ "${lines[8]}" = "listed: $((2020 + created))" ]

	kill -USR1 "$daemon_pid"
	wait_for 30 grep -q "requests in flight" "$BATS_TEST_TMPDIR/stderr"
	grep -q "^open handles: 0$" "$BATS_TEST_TMPDIR/stderr"
	run -0 umount "$mnt"
	wait_daemon
	[ "$daemon_rc" -eq 0 ]
}

@test "the source removed under the mount: ENOENT, the new one of that name untouched" {
	need_fuse
	echo kept >"$src/f"
	mkdir "$src/d"
	# Names are asked of the server every time.
	start_daemon --cache=never
	exec 5<"$mnt/f"
	rm -rf "$src"
	# The server's fd holds the removed directory: it answers for it as
	# the kernel does for a removed working directory.
	run -0 stat -c %h "$mnt"
	[ "$output" = 0 ]
	# Listed empty: READDIR gets ENOENT, which readdir(3) takes as the
	# end, as for any removed directory.
	run -0 --separate-stderr ls -A "$mnt"
	[ -z "$output$stderr" ]
	run -1 --separate-stderr cat "$mnt/f"
	[[ "$stderr" == *"No such file or directory"* ]]
	run -1 --separate-stderr touch "$mnt/new"
	[[ "$stderr" == *"No such file or directory"* ]]
	run -1 --separate-stderr mkdir "$mnt/newdir"
	[[ "$stderr" == *"No such file or directory"* ]]
	# An open file reads on.
	run -0 cat <&5
	[ "$output" = kept ]
	exec 5<&-

	mkdir "$src"
	run -1 --separate-stderr touch "$mnt/new"
	[[ "$stderr" == *"No such file or directory"* ]]
	[ -z "$(ls -A "$src")" ]
	kill -0 "$daemon_pid"
	run -0 umount "$mnt"
	wait_daemon
	[ "$daemon_rc" -eq 0 ]
	# Nothing was made anywhere else (bats keeps its own files here).
	[ "$(ls -A "$BATS_TEST_TMPDIR" | grep -v '^separate-stderr-' |
		tr '\n' ' ')" = "mnt src stderr " ]
	[ -z "$(ls -A "$mnt")" ]
}

@test "the source renamed away and replaced: the mount serves the one it opened" {
	need_fuse
	echo old >"$src/f"
	start_daemon --cache=never
	mv "$src" "$src.old"
	mkdir "$src.new"
	echo new >"$src.new/f"
	mv "$src.new" "$src"
	[ "$(cat "$mnt/f")" = old ]
	echo written >"$mnt/g"
	[ "$(cat "$src.old/g")" = written ]
	[ ! -e "$src/g" ]
	[ "$(ls "$mnt" | tr '\n' ' ')" = "f g " ]
	[ "$(cat "$src/f")" = new ]
	run -0 umount "$mnt"
	wait_daemon
	[ "$daemon_rc" -eq 0 ]
}

# The guest: a lock it waits for (the host holds it), writers that fsync,
# a reader and a find, looping; BUSY once each writer has written.
guest_script() {
	cat <<'GUEST'
cd /mnt || { echo "FBR-VM: FAIL cd"; poweroff -f; }
lock-wait locked &
for i in 1 2 3; do
	(while :; do dd if=/dev/urandom of=w$i bs=64k count=16 conv=fsync 2>/dev/null; done) &
done
(while :; do cat keep > /dev/null; done) &
(while :; do find /mnt > /dev/null; done) &
while [ ! -s w1 ] || [ ! -s w2 ] || [ ! -s w3 ]; do sleep 0.1; done
echo "FBR-VM: BUSY"
sleep 1000
GUEST
}

guest_busy() {
	grep -q "FBR-VM: BUSY" "$BATS_TEST_TMPDIR/console.log" ||
		! kill -0 "$qemu_pid" 2>/dev/null
}

@test "the guest killed with requests in flight: fbr-virtiofsd exits 0, host files intact" {
	need_vm
	command -v python3 >/dev/null || skip "no python3"
	no_leak_check
	share="$BATS_TEST_TMPDIR/share"
	mkdir "$share"
	head -c 1048576 /dev/urandom >"$share/keep"
	sum=$(md5sum <"$share/keep")
	# A POSIX lock the guest's SETLKW waits for in the daemon.
	: >"$share/locked"
	python3 -c 'import fcntl, sys, time
f = open(sys.argv[1], "r+")
fcntl.lockf(f, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(3600)' "$share/locked" >"$BATS_TEST_TMPDIR/holder" 3>&- &
	holder_pid=$!
	wait_for 30 grep -q held "$BATS_TEST_TMPDIR/holder"
	build_initrd
	sock="$BATS_TEST_TMPDIR/vfs.sock"
	"$VFSD" --shared-dir "$share" --socket-path "$sock" \
		--sandbox namespace --seccomp "$(filter)" \
		--trace "$BATS_TEST_TMPDIR/vfs.trace" \
		>"$BATS_TEST_TMPDIR/daemon.log" 2>&1 3>&- &
	daemon_pid=$!
	wait_for 30 test -S "$sock"
	start_qemu "$sock"
	wait_for 600 guest_busy
	grep -q "FBR-VM: BUSY" "$BATS_TEST_TMPDIR/console.log" || { show_logs; false; }
	sleep 1
	# QEMU itself, not timeout(1) above it.
	kill -KILL "$(pgrep -P "$qemu_pid")"
	wait "$qemu_pid" || true
	qemu_pid=
	wait_for 30 is_gone "$daemon_pid" || { show_logs; false; }
	rc=0
	wait "$daemon_pid" || rc=$?
	daemon_pid=
	[ "$rc" -eq 0 ] || { show_logs; echo "daemon exit $rc"; false; }
	! grep -E "Sanitizer|runtime error|SIGSYS" "$BATS_TEST_TMPDIR/daemon.log"
	[ ! -e "$sock" ]
	[ "$(md5sum <"$share/keep")" = "$sum" ]
	for i in 1 2 3; do
		[ -f "$share/w$i" ]
	done
	! grep -q "lock-wait: locked" "$BATS_TEST_TMPDIR/console.log"
	kill -0 "$holder_pid"
	# The guest's SETLKW (its only one) was in the daemon, waiting, when
	# the guest went; it was never granted.
	[ -x "$top_builddir/tools/fbr-trace/fbr-trace" ] || return 0
	run -0 "$top_builddir/tools/fbr-trace/fbr-trace" "$BATS_TEST_TMPDIR/vfs.trace"
	line=$(grep -m1 'SETLKW(.*type=F_WRLCK' <<<"$output")
	echo "# ${line:0:40} ... ${line: -24}" >&3
	[ -n "$line" ]
	[[ "$line" != *") = 0 <"* ]]
}
