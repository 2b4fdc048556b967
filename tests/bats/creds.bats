#!/usr/bin/env bats
# fbr-mount run by root with allow_other, used by other users: what they
# create is theirs, a setgid directory passes its group on, a group they
# have only as a supplementary group counts, and every operation succeeds
# or fails exactly as it does on a native directory set up the same way.
# Users are bare numeric ids (no passwd entry needed).  Needs root and
# /dev/fuse; skips otherwise.

bats_require_minimum_version 1.5.0

load helpers

UID_A=65501
GID_A=65502
UID_B=65503
GROUP=4242

setup() {
	need_fuse
	command -v setpriv >/dev/null || skip "no setpriv (util-linux)"
	# The bats directories are private: the users need a walkable path.
	base=$(mktemp -d /tmp/fbr-creds-XXXXXX)
	chmod 755 "$base"
	src="$base/src"
	mnt="$base/mnt"
	nat="$base/native"
	mkdir "$src" "$mnt" "$nat"
	chmod 755 "$src" "$mnt" "$nat"
	daemon_pid=
}

teardown() {
	cd /
	teardown_mounts
	[ -z "${base:-}" ] || rm -rf "$base"
}

# The caller: uid A, gid A, and the extra group when asked.
as_a() {
	setpriv --reuid=$UID_A --regid=$GID_A --clear-groups -- "$@"
}

as_a_grp() {
	setpriv --reuid=$UID_A --regid=$GID_A --groups=$GROUP -- "$@"
}

# The same starting tree in a source and the native directory.
prepare() {
	local d=$1
	mkdir -m 777 "$d/pub"
	mkdir -m 755 "$d/shut"
	mkdir -m 770 "$d/grp"
	mkdir -m 2777 "$d/sgid"
	mkdir -m 2770 "$d/sgidgrp"
	mkdir -m 1777 "$d/sticky"
	chgrp $GROUP "$d/grp" "$d/sgid" "$d/sgidgrp"
	chmod g+s "$d/sgid" "$d/sgidgrp"
	echo secret >"$d/secret" && chmod 600 "$d/secret"
	echo shared >"$d/grpfile" && chmod 640 "$d/grpfile"
	chgrp $GROUP "$d/grpfile"
	echo root >"$d/sticky/rootfile" && chmod 666 "$d/sticky/rootfile"
}

# What one caller does, in the directory $1; tag keeps names apart.  One
# line per operation: the command and how it went (stderr included, with
# paths relative, so the same on both sides).
ops() {
	cat >"$base/ops.sh" <<'EOF'
cd "$1" || exit 1
t=$2
try() {
	local err
	if err=$("$@" 2>&1 >/dev/null); then
		echo "$*: ok"
	else
		echo "$*: $err"
	fi
}
mkfile() { # a file made by open(O_CREAT) with exactly this mode
	perl -MFcntl -e 'umask 0; sysopen(F, $ARGV[0], O_CREAT|O_EXCL|O_WRONLY, oct $ARGV[1]) or die "$!\n"' "$@"
}
try mkdir pub/d$t
try touch pub/f$t
try ln -s target pub/l$t
try mkfifo pub/p$t
try mkfile pub/m$t 2755
try mkdir shut/d$t
try touch shut/f$t
try touch grp/f$t
try mkdir grp/d$t
try mkdir sgid/d$t
try mkdir sgid/d$t/sub
try touch sgid/f$t
try mkfile sgid/s$t 2755
try ln -s target sgid/l$t
try mkfifo sgid/p$t
try touch sgidgrp/f$t
try mkfile sgidgrp/s$t 2755
try mkdir sgidgrp/d$t
try cat secret
try cat grpfile
try sh -c "echo x >>grpfile"
try rm sticky/rootfile
try mv pub/f$t pub/g$t
try ln pub/g$t pub/h$t
try rm pub/h$t
try rmdir shut
EOF
	chmod 644 "$base/ops.sh"
}

# The tree, with numeric owners and modes, as find sees it.
tree_list() {
	(cd "$1" && find . -printf '%p %y %U %G %m\n' | sort)
}

@test "allow_other turns default_permissions on, unless no_default_permissions" {
	start_daemon -o allow_other
	run -0 findmnt -rn -o OPTIONS --mountpoint "$mnt"
	[[ ",$output," == *,default_permissions,* ]]
	[[ ",$output," == *,allow_other,* ]]
	teardown_mounts
	start_daemon -o allow_other,no_default_permissions
	run -0 findmnt -rn -o OPTIONS --mountpoint "$mnt"
	[[ ",$output," != *,default_permissions,* ]]
	teardown_mounts
	start_daemon -o allow_other,no_default_permissions,default_permissions
	run -0 findmnt -rn -o OPTIONS --mountpoint "$mnt"
	[[ ",$output," == *,default_permissions,* ]]
}

@test "what other users create and may do matches a native directory" {
	prepare "$src"
	prepare "$nat"
	ops
	start_daemon -o allow_other
	# Through the mount, then natively: each user in turn, same order.
	mine=$(as_a bash "$base/ops.sh" "$mnt" a; as_a_grp bash "$base/ops.sh" "$mnt" g)
	native=$(as_a bash "$base/ops.sh" "$nat" a; as_a_grp bash "$base/ops.sh" "$nat" g)
	diff -u <(echo "$native") <(echo "$mine")
	# Something was refused and something allowed, or the test proves little.
	[[ "$mine" == *"shut/fa: touch: cannot touch 'shut/fa': Permission denied"* ]]
	[[ "$mine" == *"sgidgrp/fg: ok"* ]]
	[[ "$mine" == *"sgidgrp/fa: touch: cannot touch 'sgidgrp/fa': Permission denied"* ]]
	[[ "$mine" == *"cat grpfile: ok"* ]]
	# Owners and modes: on the host and through the mount.
	diff -u <(tree_list "$nat") <(tree_list "$src")
	diff -u <(tree_list "$nat") <(tree_list "$mnt")
	[ "$(stat -c %u:%g "$src/pub/da")" = "$UID_A:$GID_A" ]
	[ "$(stat -c %u:%g "$src/sgid/da")" = "$UID_A:$GROUP" ]
	[ "$(stat -c %A "$src/sgid/sg")" = "-rwxr-sr-x" ]
	[ "$(stat -c %A "$src/sgid/sa")" = "-rwxr-xr-x" ]
}

@test "callers acting at once each get their own files" {
	local pids=()
	start_daemon -o allow_other --threads=4
	chmod 777 "$src"
	for who in "$UID_A:$GID_A" "$UID_B:$GROUP" "0:0"; do
		setpriv --reuid="${who%:*}" --regid="${who#*:}" --clear-groups -- \
			sh -c 'for i in $(seq 150); do
				: >"$1/f-$2-$i" && mkdir "$1/d-$2-$i" || exit 1
			done' sh "$mnt" "${who%:*}" &
		pids+=($!)
	done
	wait "${pids[@]}" # not the daemon, also a child of this shell
	# Per creator (from the name): how many entries, and whose.
	run -0 bash -c "cd '$src' && find . -mindepth 1 -printf '%f %U:%G\n' |
		sed 's/^[fd]-\([0-9]*\)-[0-9]* /\1 /' | sort | uniq -c"
	[ "${#lines[@]}" -eq 3 ]
	[[ "${lines[0]}" =~ ^\ *300\ 0\ 0:0$ ]]
	[[ "${lines[1]}" =~ ^\ *300\ $UID_A\ $UID_A:$GID_A$ ]]
	[[ "${lines[2]}" =~ ^\ *300\ $UID_B\ $UID_B:$GROUP$ ]]
}
