#!/usr/bin/env bats
# fbr-virtiofsd against a real guest: QEMU (TCG) boots Debian's kernel with
# a busybox initramfs, the guest mounts the virtio-fs tag, creates, writes,
# reads, renames and unlinks files, remounts (DESTROY, then a fresh INIT),
# and powers off; the host then checks what the shared directory holds.
# The daemon runs in its sandbox under --seccomp kill (log in a sanitizer
# build), so a system call missing from its allow-list fails the test.
# The recipe is ../../../shared/VM-TESTS.md's.  Skips, saying why, where
# QEMU, the guest kernel or busybox is missing.

bats_require_minimum_version 1.5.0

load guest

# The guest's script: each step prints what failed; the last line says.
guest_script() {
	cat <<'GUEST'
fail() { echo "FBR-VM: FAIL $*"; poweroff -f; }
cd /mnt || fail cd
[ "$(cat from-host)" = "host data" ] || fail read from-host
echo "hello from the guest" > a.txt || fail create
[ "$(cat a.txt)" = "hello from the guest" ] || fail read back
dd if=/dev/urandom of=big bs=65536 count=40 2>/dev/null || fail write big
md5sum big | cut -d' ' -f1 > big.md5 || fail md5
mv a.txt b.txt || fail rename
[ ! -e a.txt ] && [ -f b.txt ] || fail after rename
mkdir d && echo x > d/y && rm d/y && rmdir d || fail mkdir/unlink/rmdir
rm gone || fail unlink
ln -s b.txt link && [ "$(readlink link)" = b.txt ] || fail symlink
chmod 640 b.txt || fail chmod
touch -d "2001-02-03 04:05:06" b.txt || fail utimes
ln b.txt hard && [ "$(stat -c %h b.txt)" = 2 ] || fail hard link
truncate -s 100 t || fail truncate
fallocate -l 65536 fa || fail fallocate
mkfifo fifo && mknod null c 1 3 || fail mknod
dd if=/dev/zero of=direct bs=4096 count=4 oflag=direct conv=fsync 2>/dev/null ||
	fail O_DIRECT write
df /mnt >/dev/null && ls -la >/dev/null || fail statfs/readdir
su guest -c 'echo mine > owned/u.txt' || fail create as a user
if [ -e want-xattr ]; then
	/bin/xattr-probe b.txt || fail xattrs
fi
echo c > ch && chown 1000:1000 ch || fail chown
if [ -e want-big ]; then
	mkdir many && (cd many && seq 1 10000 | xargs touch) || fail 10 000 files
	[ "$(ls many | wc -l)" = 10000 ] || fail list 10 000 files
	dd if=/dev/urandom of=huge bs=1M count=256 2>/dev/null || fail write 256 MiB
	md5sum huge | cut -d' ' -f1 > huge.md5 || fail md5 256 MiB
fi
sync
cd / && umount /mnt || fail umount
mount -t virtiofs fbrtag /mnt || fail remount
[ "$(cat /mnt/b.txt)" = "hello from the guest" ] || fail read after remount
[ "$(md5sum /mnt/big | cut -d' ' -f1)" = "$(cat /mnt/big.md5)" ] || fail big md5
if [ -e /mnt/want-big ]; then
	[ "$(ls /mnt/many | wc -l)" = 10000 ] || fail 10 000 files after remount
	[ "$(md5sum /mnt/huge | cut -d' ' -f1)" = "$(cat /mnt/huge.md5)" ] ||
		fail 256 MiB md5 after remount
fi
umount /mnt || fail umount 2
echo "FBR-VM: OK"
poweroff -f
GUEST
}

# boot DAEMON...: start the back-end, boot the guest against it.
boot() {
	local sock="$BATS_TEST_TMPDIR/vfs.sock"
	"$@" --socket-path="$sock" > "$BATS_TEST_TMPDIR/daemon.log" 2>&1 &
	daemon_pid=$!
	for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
	local qemu_pid
	start_qemu "$sock"
	# QEMU waits for ever on a back-end that died: stop it then (the
	# back-end also ends first when QEMU hangs up as it powers off).
	while kill -0 "$qemu_pid" 2>/dev/null; do
		kill -0 "$daemon_pid" 2>/dev/null ||
			{ sleep 2; kill "$qemu_pid" 2>/dev/null || true; break; }
		sleep 0.2
	done
	wait "$qemu_pid" || true
	# The daemon exits by itself once QEMU hangs up.
	for _ in $(seq 100); do kill -0 "$daemon_pid" 2>/dev/null || break; sleep 0.05; done
	kill "$daemon_pid" 2>/dev/null && echo "back-end still running" >> "$BATS_TEST_TMPDIR/daemon.log"
	daemon_rc=0
	wait "$daemon_pid" || daemon_rc=$?
	daemon_pid=
}

setup() {
	daemon_pid=
	[[ "$BATS_TEST_DESCRIPTION" == *guest* ]] || return 0
	need_vm
	share="$BATS_TEST_TMPDIR/share"
	mkdir -p "$share"
	echo "host data" > "$share/from-host"
	: > "$share/gone"
	mkdir "$share/owned"
	chown 1000:1000 "$share/owned"
	build_initrd
}

teardown() {
	[ -z "${daemon_pid:-}" ] || kill "$daemon_pid" 2>/dev/null || true
}

# What the guest script left in the shared directory.
check_share() {
	[ "$(cat "$share/b.txt")" = "hello from the guest" ]
	[ ! -e "$share/a.txt" ] && [ ! -e "$share/gone" ] && [ ! -e "$share/d" ]
	[ "$(md5sum < "$share/big" | cut -d' ' -f1)" = "$(cat "$share/big.md5")" ]
	[ "$(stat -c %s "$share/big")" -eq $((65536 * 40)) ]
	[ "$(readlink "$share/link")" = b.txt ]
	[ "$(stat -c %a:%h:%Y "$share/b.txt")" = \
		"640:2:$(date -u -d "2001-02-03 04:05:06" +%s)" ]
	[ "$(stat -c %s "$share/t"):$(stat -c %s "$share/fa")" = 100:65536 ]
	[ -p "$share/fifo" ] && [ "$(stat -c %F:%t:%T "$share/null")" = \
		"character special file:1:3" ]
	[ "$(stat -c %s "$share/direct")" -eq 16384 ]
	[ "$(stat -c %u:%g "$share/owned/u.txt")" = 1000:1000 ]
	[ "$(cat "$share/owned/u.txt")" = mine ]
	[ "$(stat -c %u:%g "$share/ch")" = 1000:1000 ]
	if [ -e "$share/want-big" ]; then
		[ "$(find "$share/many" -type f | wc -l)" -eq 10000 ]
		[ "$(stat -c %s "$share/huge")" -eq $((256 << 20)) ]
		[ "$(md5sum < "$share/huge" | cut -d' ' -f1)" = "$(cat "$share/huge.md5")" ]
	fi
}

# The flags of the first INIT reply in trace $1, one a line.
init_reply_flags() {
	"$top_builddir/tools/fbr-trace/fbr-trace" "$1" |
		sed -n 's/.* INIT(.*) = 0 {.*flags=\([A-Z0-9_|]*\).*/\1/p' |
		head -1 | tr '|' '\n'
}

@test "a guest mounts, writes, reads, renames, unlinks and remounts (sandboxed)" {
	no_leak_check
	: > "$share/want-xattr"
	: > "$share/want-big" # 10 000 files and 256 MiB: this test only
	boot "$VFSD" --shared-dir "$share" --cache auto --sandbox namespace \
		--seccomp "$(filter)" --xattr --trace "$BATS_TEST_TMPDIR/vfs.trace"
	grep -q "FBR-VM: OK" "$BATS_TEST_TMPDIR/console.log" || { show_logs; false; }
	[ "$daemon_rc" -eq 0 ] || { show_logs; echo "daemon exit $daemon_rc"; false; }
	check_share
	# Extended attributes, served from inside the sandbox.
	[ "$(getfattr -n user.fbr --only-values "$share/b.txt")" = guest ]
	! getfattr -n user.gone "$share/b.txt" 2>/dev/null
	# The trace holds what the guest sent, as fbr-trace reads it.
	trace="$top_builddir/tools/fbr-trace/fbr-trace"
	[ -s "$BATS_TEST_TMPDIR/vfs.trace" ]
	if [ -x "$trace" ]; then
		run -0 "$trace" "$BATS_TEST_TMPDIR/vfs.trace"
		[[ "$output" == *"INIT("* && "$output" == *"WRITE("* ]]
		# ...and our replies break none of the protocol's rules.
		run -0 "$trace" --check "$BATS_TEST_TMPDIR/vfs.trace"
		# Locks are the host's by default.
		run -0 init_reply_flags "$BATS_TEST_TMPDIR/vfs.trace"
		[[ "$output" == *FLOCK_LOCKS* && "$output" == *POSIX_LOCKS* ]]
		[[ "$output" != *HANDLE_KILLPRIV_V2* ]]
	fi
}

@test "a guest is served without the sandbox, with xattrs and file handles" {
	boot "$VFSD" -o source="$share",cache=never,xattr,no_flock,no_posix_lock \
		--sandbox none --seccomp "$(filter)" --inode-file-handles prefer \
		--killpriv-v2 --trace "$BATS_TEST_TMPDIR/vfs.trace"
	grep -q "FBR-VM: OK" "$BATS_TEST_TMPDIR/console.log" || { show_logs; false; }
	[ "$daemon_rc" -eq 0 ] || { show_logs; echo "daemon exit $daemon_rc"; false; }
	check_share
	# The guest kernel was told to keep its locks, and to leave set-id
	# bits to us.
	[ -x "$top_builddir/tools/fbr-trace/fbr-trace" ] || return 0
	run -0 init_reply_flags "$BATS_TEST_TMPDIR/vfs.trace"
	[[ "$output" == *HANDLE_KILLPRIV_V2* && "$output" != *LOCKS* ]]
}

@test "the C virtiofsd passes the same guest script (the reference)" {
	[ -x /usr/lib/qemu/virtiofsd ] || skip "no /usr/lib/qemu/virtiofsd"
	boot /usr/lib/qemu/virtiofsd -o source="$share" -o cache=auto
	grep -q "FBR-VM: OK" "$BATS_TEST_TMPDIR/console.log" || { show_logs; false; }
	check_share
}

# Without a guest: the daemon's own life (its options and its sandbox
# have virtiofsd-cli.bats).  Only root can build the sandbox.
unsandboxed() {
	[ "$(id -u)" -eq 0 ] || echo --sandbox none
}

@test "a shared directory that is not there: exit 1, saying why" {
	[ -x "$VFSD" ] || skip "fbr-virtiofsd is not built"
	run -1 --separate-stderr "$VFSD" --socket-path "$BATS_TEST_TMPDIR/s" \
		--shared-dir "$BATS_TEST_TMPDIR/none"
	[[ "$stderr" == "fbr-virtiofsd: "*"No such file or directory"* ]]
	[ ! -e "$BATS_TEST_TMPDIR/s" ]
}

@test "a front-end that connects and hangs up: the daemon exits 0" {
	[ -x "$VFSD" ] || skip "fbr-virtiofsd is not built"
	command -v python3 >/dev/null || skip "no python3"
	no_leak_check
	sock="$BATS_TEST_TMPDIR/s"
	# shellcheck disable=SC2046 # none or two words
	"$VFSD" -o source="$BATS_TEST_TMPDIR",cache=never --socket-path="$sock" \
		$(unsandboxed) &
	daemon_pid=$!
	for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
	python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.close()' "$sock"
	rc=0
	wait "$daemon_pid" || rc=$?
	daemon_pid=
	[ "$rc" -eq 0 ]
	[ ! -e "$sock" ]
}

@test "--fd: serves on an inherited listening socket" {
	[ -x "$VFSD" ] || skip "fbr-virtiofsd is not built"
	command -v python3 >/dev/null || skip "no python3"
	no_leak_check
	run -0 python3 -c 'import os, socket, subprocess, sys
path = sys.argv[2]
l = socket.socket(socket.AF_UNIX)
l.bind(path)
l.listen(1)
p = subprocess.Popen([sys.argv[1], "--fd", str(l.fileno()),
                      "--shared-dir", sys.argv[3]] + sys.argv[4:],
                     pass_fds=[l.fileno()])
l.close()
c = socket.socket(socket.AF_UNIX)
c.connect(path)
c.close()
sys.exit(p.wait(timeout=10))' "$VFSD" "$BATS_TEST_TMPDIR/s" "$BATS_TEST_TMPDIR" \
		$(unsandboxed)
}

@test "SIGTERM while waiting for the front-end removes the socket" {
	[ -x "$VFSD" ] || skip "fbr-virtiofsd is not built"
	sock="$BATS_TEST_TMPDIR/s"
	"$VFSD" --shared-dir "$BATS_TEST_TMPDIR" --socket-path "$sock" &
	daemon_pid=$!
	for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
	[ -S "$sock" ]
	kill -TERM "$daemon_pid"
	wait "$daemon_pid" || true
	daemon_pid=
	[ ! -e "$sock" ]
}
