#!/bin/sh
# fbr's one entry point for setting up, building and testing.
#
#   ./run.sh [SOURCE MOUNTPOINT]  install what is missing, build, and mount
#                                 SOURCE at MOUNTPOINT with fbr-mount (by
#                                 default a demo directory under /tmp/fbr-demo)
#   ./run.sh test                 install, build (plain and ASan/UBSan), run
#                                 the whole test suite and the fuzzer
#   ./run.sh deps                 only install the Debian packages
#   ./run.sh build                only build (into build/)
#
# Needs root for the package install (run it with sudo, or as root).
set -eu
src=$(cd "$(dirname "$0")" && pwd)

# Everything the project needs from Debian 12, and why.
PACKAGES="
build-essential autoconf automake libtool pkg-config
libcap-dev libseccomp-dev liburing-dev
fuse3
bats
bpftool
clang
linux-libc-dev
python3
attr
qemu-system-x86 linux-image-amd64 busybox-static cpio
libfuse3-dev fuse-overlayfs
"
# libtool: builds libfbr shared and static; libcap-dev: capabilities; libseccomp-dev: fbr-virtiofsd's system call
# filter; fuse3: the fusermount3/mount.fuse3 helpers
# (never its library); bats: command-line tests; bpftool: the ABI check
# against the kernel's BTF; clang: the libFuzzer targets; attr: xattr tests;
# qemu-system-x86, linux-image-amd64, busybox-static, cpio: the virtio-fs
# test boots a guest against fbr-virtiofsd.
# libfuse3-dev, fuse-overlayfs: fbr-trace record's tests relay libfuse's
# passthrough_ll (built from libfuse3-dev's examples, never linked into
# fbr) and a packaged libfuse filesystem.
# liburing-dev: fbr-mount's FUSE over io_uring.

log() { printf 'run.sh: %s\n' "$*" >&2; }

deps() {
	missing=
	for p in $PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
			grep -q "install ok installed" || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	log "installing:$missing"
	if [ "$(id -u)" -ne 0 ]; then
		log "installing packages needs root: run 'sudo $0 $*'"
		exit 1
	fi
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
}

# build DIR [CONFIGURE-ARGS...]: an out-of-tree build.
build() {
	dir=$1
	shift
	[ -x "$src/configure" ] || (cd "$src" && ./autogen.sh >/dev/null)
	if [ -f "$src/config.status" ]; then
		log "the source tree is configured in place; run 'make distclean' there first"
		exit 2
	fi
	mkdir -p "$dir"
	(cd "$dir" && { [ -f Makefile ] || "$src/configure" -q --enable-werror "$@"; } &&
		make -s -j"$(nproc)")
}

# counts DIR: "pass fail skip" from a build's test-suite.log.
counts() {
	awk '/^# (PASS|XFAIL):/ { p += $3 } /^# (FAIL|XPASS|ERROR):/ { f += $3 }
	     /^# SKIP:/ { s += $3 } END { print p + 0, f + 0, s + 0 }' \
		"$1/test-suite.log" 2>/dev/null || echo "0 1 0"
}

test_all() {
	pass=0 fail=0 skip=0
	build "$src/build"
	build "$src/build-san" --enable-sanitizers
	for b in build build-san; do
		log "make check in $b"
		(cd "$src/$b" && make -s -j"$(nproc)" check) || true
		set -- $(counts "$src/$b")
		pass=$((pass + $1)) fail=$((fail + $2)) skip=$((skip + $3))
		grep -E '^(FAIL|ERROR):' "$src/$b/test-suite.log" >&2 || true
	done
	log "make distcheck"
	if (cd "$src/build" && make -s -j"$(nproc)" distcheck >distcheck.log 2>&1); then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		tail -n 30 "$src/build/distcheck.log" >&2
	fi
	log "make installcheck: the examples built against an installed libfbr"
	inst="$src/build/inst"
	rm -rf "$inst"
	if (cd "$src/build" && make -s install DESTDIR="$inst" >installcheck.log 2>&1 &&
		make -s installcheck DESTDIR="$inst" >>installcheck.log 2>&1); then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		tail -n 30 "$src/build/installcheck.log" >&2
	fi
	rm -rf "$inst"
	log "fuzzing the dispatcher for ${FBR_FUZZ_SECONDS:-60} s"
	if FUZZ_BUILD="$src/build-fuzz" "$src/tests/fuzz/run" "${FBR_FUZZ_SECONDS:-60}"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
	fi
	echo "$pass passed, $fail failed, $skip skipped"
	[ "$fail" -eq 0 ]
}

demo() {
	srcdir=${1:-/tmp/fbr-demo/source}
	mnt=${2:-/tmp/fbr-demo/mnt}
	mkdir -p "$srcdir" "$mnt"
	[ -n "$(ls -A "$srcdir")" ] || echo "hello from fbr" > "$srcdir/hello.txt"
	"$src/build/tools/fbr-mount/fbr-mount" "$srcdir" "$mnt"
	log "mounted $srcdir at $mnt:"
	ls -l "$mnt" >&2
	log "unmount with: umount $mnt (as root) or fusermount3 -u $mnt"
}

case ${1:-} in
deps) deps ;;
build) deps; build "$src/build" ;;
test) deps; test_all ;;
-h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' ;;
*) deps; build "$src/build"; demo "$@" ;;
esac
