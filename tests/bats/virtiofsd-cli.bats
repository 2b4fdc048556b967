#!/usr/bin/env bats
# fbr-virtiofsd's command line and sandbox, without a guest: every option
# of virtiofsd's that it takes is accepted and served with, every one it
# cannot honour is refused saying why, and the sandbox it builds is seen
# from the host (/proc/PID/status, namespaces, root).  A front-end
# connects and hangs up, or holds the connection while we look.  The
# tests that build a sandbox need root, and say so when they skip.

bats_require_minimum_version 1.5.0

VFSD="$top_builddir/tools/fbr-virtiofsd/fbr-virtiofsd"
# LeakSanitizer cannot work in the sandbox: at exit it reads
# /proc/self/task and traces the threads, which the new root and the
# seccomp filter forbid.  In a sanitizer build the daemons started to
# serve go without it; the usage errors here and virtiofs.bats's
# unsandboxed guest test are checked for leaks.
SAN_ENV=()
[ "${FBR_SANITIZERS:-no}" = no ] || SAN_ENV=(ASAN_OPTIONS=detect_leaks=0)
# What the server keeps by default (caps.c), as capsh --decode names it.
DEFAULT_CAPS=cap_chown,cap_dac_override,cap_fowner,cap_fsetid,cap_setgid,cap_setuid,cap_mknod,cap_setfcap

setup() {
	[ -x "$VFSD" ] || skip "fbr-virtiofsd is not built"
	share="$BATS_TEST_TMPDIR/share"
	sock="$BATS_TEST_TMPDIR/s"
	err="$BATS_TEST_TMPDIR/stderr"
	mkdir -p "$share"
	daemon_pid= client_pid=
	share_args=(--shared-dir "$share")
}

teardown() {
	local p
	for p in ${client_pid:-} ${daemon_pid:-}; do
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	client_pid= daemon_pid=
}

# The front-ends are perl (Debian's perl-base): python starts too slowly
# for the many runs here.
need_root() {
	[ "$(id -u)" -eq 0 ] || skip "${1:-the sandbox} needs root"
	command -v perl >/dev/null || skip "no perl"
}

# wait_until SECONDS COMMAND...: poll every 50 ms.
wait_until() {
	local tries=$(($1 * 20))
	shift
	until "$@"; do
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || return 1
		sleep 0.05
	done
}

# start ARGS...: the daemon on $sock, sharing $share (share_args) unless
# ARGS say otherwise, its stderr in $err; waits until it listens.
start() {
	rm -f "$sock"
	env "${SAN_ENV[@]}" "$VFSD" --socket-path "$sock" "${share_args[@]}" \
		"$@" 2>"$err" 3>&- &
	daemon_pid=$!
	wait_until 30 test -S "$sock" || { cat "$err"; false; }
}

# The daemon's exit status in daemon_rc, what it said shown on failure.
finish() {
	daemon_rc=0
	wait "$daemon_pid" || daemon_rc=$?
	daemon_pid=
	cat "$err"
}

# serve_once ARGS...: start, a front-end connects and hangs up at once;
# the daemon goes through its sandbox and exits by itself.
serve_once() {
	start "$@"
	perl -MIO::Socket::UNIX -e 'IO::Socket::UNIX->new(Peer => $ARGV[0])
		or die "connect: $!\n"' "$sock"
	finish
}

# hold ARGS...: start, with a front-end that stays connected until
# release; server_pid is the process serving it once it is filtered.
hold() {
	start "$@"
	perl -MIO::Socket::UNIX -e '$s = IO::Socket::UNIX->new(Peer => $ARGV[0])
		or die "connect: $!\n";
		select(undef, undef, undef, 0.05) until -e $ARGV[1]' \
		"$sock" "$BATS_TEST_TMPDIR/release" 3>&- &
	client_pid=$!
	wait_until 30 server_filtered || { cat "$err"; false; }
}

server_filtered() {
	server_pid=$(pgrep -P "$daemon_pid" || echo "$daemon_pid")
	grep -q '^Seccomp:[[:space:]]*2' "/proc/$server_pid/status" 2>/dev/null
}

release() {
	touch "$BATS_TEST_TMPDIR/release"
	wait "$client_pid"
	client_pid=
	finish
}

# status_caps FIELD: a capability set of the server, by name.
status_caps() {
	capsh --decode="$(awk -v f="$1:" '$1 == f { print $2 }' \
		"/proc/$server_pid/status")" | sed 's/^[^=]*=//'
}

# --- Usage errors: exit 2, the reason, the --help hint ---

usage_fails() {
	local want=$1
	shift
	run -2 --separate-stderr "$VFSD" --socket-path "$sock" \
		--shared-dir "$share" "$@"
	[ -z "$output" ]
	[[ "$stderr" == "fbr-virtiofsd: "*"$want"* ]] ||
		{ echo "$*: '$stderr'"; false; }
	[[ "$stderr" == *"Try 'fbr-virtiofsd --help' for more information."* ]]
	[ ! -e "$sock" ]
}

@test "bad values of the sandbox options are usage errors" {
	usage_fails "invalid sandbox mode: 'jail'" --sandbox jail
	usage_fails "invalid sandbox mode: 'jail'" -o sandbox=jail
	usage_fails "invalid seccomp action: 'allow'" --seccomp allow
	usage_fails "invalid inode file handles mode: 'always'" \
		--inode-file-handles always
	usage_fails "invalid file descriptor limit: '-1'" --rlimit-nofile -1
	usage_fails "invalid file descriptor limit: 'many'" --rlimit-nofile many
	usage_fails "invalid capability change (+name or -name): 'sys_admin'" \
		--modcaps sys_admin
	usage_fails "invalid capability: 'no_such_cap'" --modcaps +chown:-no_such_cap
	usage_fails "invalid capability: 'x'" -o modcaps=+x
	usage_fails "invalid socket group: 'no-such-group'" \
		--socket-group no-such-group
}

@test "bad values of the other options are usage errors" {
	usage_fails "invalid cache mode: 'sometimes'" --cache sometimes
	usage_fails "invalid log level: 'loud'" --log-level loud
	usage_fails "invalid log level: 'loud'" -o log_level=loud
	usage_fails "invalid thread pool size: 'lots'" --thread-pool-size lots
	usage_fails "invalid timeout: 'soon'" -o timeout=soon
	usage_fails "invalid option: 'no_such_thing'" -o cache=auto,no_such_thing
	run -2 --separate-stderr "$VFSD" --fd 0 --shared-dir "$share" \
		--socket-group 0
	[ "$stderr" = "fbr-virtiofsd: --socket-group needs --socket-path
Try 'fbr-virtiofsd --help' for more information." ]
}

@test "what the passthrough driver cannot do is refused, saying why" {
	usage_fails "--posix-acl is not supported: the passthrough driver does not offer FUSE_POSIX_ACL" \
		--posix-acl
	usage_fails "-o posix_acl is not supported" -o posix_acl
	usage_fails "--xattrmap is not supported" --xattrmap ':map::user.virtiofs.:'
	usage_fails "-o xattrmap is not supported" -o 'xattrmap=:ok:all:::'
}

# --- Accepted: the daemon serves with it and exits 0 ---

accepted() {
	serve_once --log-level warn "$@"
	[ "$daemon_rc" -eq 0 ] || { echo "$*: exit $daemon_rc"; false; }
	[ ! -s "$err" ] || { echo "$*: said something"; false; }
}

@test "every long option of virtiofsd's is accepted and served with" {
	need_root
	# Each value of each choice once, the choices side by side.
	accepted --cache never --sandbox namespace --seccomp kill \
		--inode-file-handles never --thread-pool-size 4 --readonly \
		--allow-direct-io --rlimit-nofile 4096 --socket-group "$(id -g)"
	accepted --cache metadata --sandbox chroot --seccomp log \
		--inode-file-handles prefer --writeback --killpriv-v2 \
		--modcaps=+sys_admin:-mknod --trace "$BATS_TEST_TMPDIR/t.trace"
	accepted --cache auto --sandbox none --seccomp trap \
		--inode-file-handles mandatory --xattr --syslog -f
	accepted --cache always --seccomp none --log-level error
	run -0 --separate-stderr serve_once --log-level info
	run -0 --separate-stderr serve_once --log-level debug
	run -0 --separate-stderr serve_once -d
}

@test "the C virtiofsd's -o options are accepted and served with" {
	need_root
	accepted -o cache=none,flock,no_flock,posix_lock,no_posix_lock,writeback
	accepted -o no_writeback,readonly,killpriv_v2,no_killpriv_v2,no_posix_acl
	accepted -o allow_direct_io,no_allow_direct_io,timeout=2.5,log_level=warn
	accepted -o sandbox=chroot,modcaps=-chown:+sys_admin,no_xattr
	accepted -o xattr -o sandbox=none
	run -0 --separate-stderr serve_once -o debug
}

@test "-o source= takes libvirt's doubled commas as a comma" {
	need_root
	mkdir "$BATS_TEST_TMPDIR/a,b"
	dir=$(printf '%s' "$BATS_TEST_TMPDIR/a,b" | sed 's/,/,,/g')
	accepted -o "source=$dir,cache=never"
	# The shared directory is checked before waiting: a wrong one fails.
	run -2 --separate-stderr "$VFSD" --socket-path "$sock" \
		-o "source=$BATS_TEST_TMPDIR/a,b"
	[[ "$stderr" == *"invalid option: 'b'"* ]]
}

@test "--announce-submounts is accepted with a warning" {
	need_root
	serve_once --announce-submounts
	[ "$daemon_rc" -eq 0 ]
	grep -q "announce-submounts: the passthrough driver does not mark submounts" "$err"
}

@test "--inode-file-handles mandatory refuses a filesystem without handles" {
	run -1 --separate-stderr "$VFSD" --socket-path "$sock" --shared-dir /proc \
		--inode-file-handles mandatory
	[[ "$stderr" == "fbr-virtiofsd: --inode-file-handles=mandatory: /proc gives no file handles"* ]]
	[ ! -e "$sock" ]
}

@test "the host's root cannot be pivoted into: said before waiting" {
	run -1 --separate-stderr "$VFSD" --socket-path "$sock" --shared-dir /
	[ "$stderr" = "fbr-virtiofsd: / is the root already: --sandbox namespace cannot pivot into it (--sandbox none can share it)" ]
	[ ! -e "$sock" ]
}

# --- Limits and the socket, seen while the daemon waits ---

nofile() {
	awk '/^Max open files/ { print $4, $5 }' "/proc/$daemon_pid/limits"
}

@test "--rlimit-nofile sets the soft and the hard limit" {
	start --rlimit-nofile 1234
	[ "$(nofile)" = "1234 1234" ]
}

@test "--rlimit-nofile above the hard limit warns and keeps the hard limit" {
	hard=$(ulimit -Hn)
	[ "$hard" != unlimited ] || skip "no hard limit on open files"
	# Above fs.nr_open no one may raise it, not even with CAP_SYS_RESOURCE.
	for want in $(($(cat /proc/sys/fs/nr_open) + 1)) $((hard + 1)); do
		if [ "$want" -eq $((hard + 1)) ] && capsh --has-p=cap_sys_resource 2>/dev/null; then
			continue # we may raise it: no warning due
		fi
		start --rlimit-nofile "$want"
		[ "$(nofile)" = "$hard $hard" ]
		grep -q "^fbr-virtiofsd: main: --rlimit-nofile $want: above the hard limit, which cannot be raised (Operation not permitted): keeping $hard\$" "$err"
		kill -TERM "$daemon_pid"
		finish || true
	done
}

@test "--socket-group gives the socket to the group, mode 0660" {
	need_root "giving the socket to any group"
	start --socket-group nogroup
	[ "$(stat -c %G:%a "$sock")" = nogroup:660 ]
	kill -TERM "$daemon_pid"
	finish || true
	[ ! -e "$sock" ]
	start --socket-group 4242
	[ "$(stat -c %g:%a "$sock")" = 4242:660 ]
}

@test "--syslog: nothing on standard error" {
	need_root
	serve_once --syslog --announce-submounts
	[ "$daemon_rc" -eq 0 ]
	[ ! -s "$err" ]
}

# --- The back-end descriptor and --print-capabilities ---

@test "--print-capabilities prints valid JSON of type fs" {
	command -v python3 >/dev/null || skip "no python3"
	run -0 --separate-stderr "$VFSD" --print-capabilities
	[ -z "$stderr" ]
	run -0 python3 -c 'import json, sys
caps = json.loads(sys.argv[1])
assert caps == {"type": "fs"}, caps' "$output"
}

# Where make install puts the binary and the descriptor comes from make
# check (virtiofsd-cli.am); make distcheck installs both for real.
@test "the vhost-user descriptor is valid JSON naming the installed binary" {
	command -v python3 >/dev/null || skip "no python3"
	[ -n "${FBR_BINDIR:-}" ] || skip "FBR_BINDIR unset: run it from make check"
	[[ "$FBR_VHOSTUSERDIR" == */qemu/vhost-user ]]
	run -0 python3 -c 'import json, sys
path, bindir = sys.argv[1:]
d = json.load(open(path))
want = {"description": "fbr-virtiofsd: virtio-fs vhost-user back-end",
        "type": "fs", "binary": bindir + "/fbr-virtiofsd"}
assert d == want, d' "$top_builddir/tools/fbr-virtiofsd/50-fbr-virtiofsd.json" \
		"$FBR_BINDIR"
}

# --- The sandbox, seen from the host ---

@test "--sandbox namespace: own namespaces, the share as root, caps and seccomp cut" {
	need_root
	hold
	[ "$server_pid" != "$daemon_pid" ] # the server is a child
	[ "$(awk '/^NSpid:/ { print $NF }' "/proc/$server_pid/status")" = 1 ]
	for ns in mnt pid net; do
		[ "$(readlink "/proc/$server_pid/ns/$ns")" != "$(readlink "/proc/self/ns/$ns")" ]
	done
	# The waiting parent keeps the host's mounts and network.
	[ "$(readlink "/proc/$daemon_pid/ns/mnt")" = "$(readlink /proc/self/ns/mnt)" ]
	[ "$(stat -L -c %d:%i "/proc/$server_pid/root")" = "$(stat -c %d:%i "$share")" ]
	[ "$(status_caps CapEff)" = "$DEFAULT_CAPS" ]
	[ "$(status_caps CapPrm)" = "$DEFAULT_CAPS" ]
	[ "$(status_caps CapBnd)" = "$DEFAULT_CAPS" ]
	[ "$(awk '/^CapInh:|^CapAmb:/ { print $2 }' "/proc/$server_pid/status" | sort -u)" = 0000000000000000 ]
	grep -q '^NoNewPrivs:[[:space:]]*1' "/proc/$server_pid/status"
	release
	[ "$daemon_rc" -eq 0 ]
}

@test "--inode-file-handles and --modcaps change the capabilities kept" {
	need_root
	hold --inode-file-handles prefer
	[ "$(status_caps CapEff)" = "${DEFAULT_CAPS/cap_dac_override,/cap_dac_override,cap_dac_read_search,}" ]
	release
	rm "$BATS_TEST_TMPDIR/release"
	hold --modcaps=+sys_admin:-mknod:-setfcap
	[ "$(status_caps CapEff)" = "${DEFAULT_CAPS/,cap_mknod,cap_setfcap/},cap_sys_admin" ]
	[ "$(status_caps CapBnd)" = "$(status_caps CapEff)" ]
	release
	[ "$daemon_rc" -eq 0 ]
}

@test "--sandbox chroot: no namespaces, the share as root" {
	need_root
	hold --sandbox chroot
	[ "$server_pid" = "$daemon_pid" ]
	[ "$(readlink "/proc/$server_pid/ns/mnt")" = "$(readlink /proc/self/ns/mnt)" ]
	[ "$(stat -L -c %d:%i "/proc/$server_pid/root")" = "$(stat -c %d:%i "$share")" ]
	[ "$(status_caps CapEff)" = "$DEFAULT_CAPS" ]
	release
	[ "$daemon_rc" -eq 0 ]
}

@test "--sandbox none: the host's root, still filtered and cut" {
	need_root
	hold --sandbox none
	[ "$server_pid" = "$daemon_pid" ]
	[ "$(stat -L -c %d:%i "/proc/$server_pid/root")" = "$(stat -c %d:%i /)" ]
	[ "$(status_caps CapEff)" = "$DEFAULT_CAPS" ]
	release
	[ "$daemon_rc" -eq 0 ]
}

# --- Signals and exit status with the server in its pid namespace ---

# Gone, or a zombie nobody has collected yet.
gone() {
	[ ! -e "/proc/$1" ] || [ "$(awk '{ print $3 }' "/proc/$1/stat")" = Z ]
}

@test "SIGTERM to the daemon stops the sandboxed server; it dies of SIGTERM" {
	need_root
	hold
	kill -TERM "$daemon_pid"
	finish || true
	[ "$daemon_rc" -eq 143 ]
	wait_until 30 gone "$server_pid"
}

@test "a server killed in the sandbox: the daemon says so and exits 1" {
	need_root
	hold
	kill -KILL "$server_pid"
	finish || true
	[ "$daemon_rc" -eq 1 ]
	grep -q "^fbr-virtiofsd: the sandboxed server was killed by signal 9 (Killed)$" "$err"
}

@test "a daemon killed outright takes its sandboxed server along" {
	need_root
	hold
	kill -KILL "$daemon_pid"
	finish || true
	wait_until 30 gone "$server_pid"
}

# --- --mount: several directories in one share ---

@test "--mount: bad combinations and paths are usage errors" {
	usage_fails "--shared-dir and --mount exclude each other" --mount "/a=$share"
	share_args=()
	run -2 --separate-stderr "$VFSD" --socket-path "$sock" --mount "/a=$share" \
		--sandbox chroot
	[[ "$stderr" == "fbr-virtiofsd: --mount needs --sandbox namespace or none"* ]]
	run -2 --separate-stderr "$VFSD" --socket-path "$sock" --mount "a=$share"
	[[ "$stderr" == "fbr-virtiofsd: --mount a=$share: the path must be absolute"* ]]
	run -2 --separate-stderr "$VFSD" --socket-path "$sock" --mount "/a=$share" \
		--mount "/a/b=$share"
	[[ "$stderr" == "fbr-virtiofsd: --mount /a/b=$share: the path lies inside"* ]]
	run -1 --separate-stderr "$VFSD" --socket-path "$sock" --mount "/a=$share" \
		--mount "/b=$BATS_TEST_TMPDIR/none"
	[ "$stderr" = "fbr-virtiofsd: --mount /b=$BATS_TEST_TMPDIR/none: No such file or directory" ]
	[ ! -e "$sock" ]
}

@test "--mount: served with every sandbox that can hold it" {
	need_root
	mkdir "$BATS_TEST_TMPDIR/other"
	share_args=(--mount "/a=$share" --mount "/b/c=$BATS_TEST_TMPDIR/other")
	accepted --sandbox namespace
	accepted --sandbox none
	accepted --sandbox namespace --readonly --cache never
}

@test "--mount --sandbox namespace: a read-only tmpfs root holds the sources" {
	need_root
	other="$BATS_TEST_TMPDIR/other"
	mkdir "$other"
	echo first >"$share/f1"
	echo second >"$other/f2"
	share_args=(--mount "/a=$share" --mount "/b/c=$other")
	hold
	root="/proc/$server_pid/root"
	[ "$(ls "$root" | tr '\n' ' ')" = "0 1 " ]
	[ "$(cat "$root/0/f1")" = first ]
	[ "$(cat "$root/1/f2")" = second ]
	[ "$(stat -f -c %T "$root")" = tmpfs ]
	run ! touch "$root/new"
	[ ! -e "$root/new" ]
	# Covered in the server's namespace only.
	[ "$(cat "$share/f1")" = first ]
	grep -q '^Seccomp:[[:space:]]*2' "/proc/$server_pid/status"
	release
	[ "$daemon_rc" -eq 0 ]
}
