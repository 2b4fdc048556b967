# Helpers for the bats tests that boot a guest against a virtio-fs
# back-end: what the guest needs (need_vm), its initramfs (build_initrd,
# which runs the guest_script function the test file defines after
# mounting the tag fbrtag on /mnt), and QEMU under TCG (start_qemu).  The
# recipe is ../../../shared/VM-TESTS.md's.

VFSD="$top_builddir/tools/fbr-virtiofsd/fbr-virtiofsd"
MODS="drivers/virtio/virtio_ring.ko drivers/virtio/virtio.ko
drivers/virtio/virtio_pci_legacy_dev.ko drivers/virtio/virtio_pci_modern_dev.ko
drivers/virtio/virtio_pci.ko fs/fuse/fuse.ko fs/fuse/virtiofs.ko"

# Skip, saying why, unless a guest can be booted; sets kver and kernel.
need_vm() {
	[ "${FBR_PRIVILEGED_TESTS:-yes}" = yes ] ||
		skip "VM tests disabled (--disable-privileged-tests)"
	[ -x "$VFSD" ] || skip "fbr-virtiofsd is not built"
	command -v qemu-system-x86_64 >/dev/null ||
		skip "no qemu-system-x86_64 (Debian: qemu-system-x86)"
	# A static busybox: ldd fails on it.
	[ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1 ||
		skip "no static /bin/busybox (Debian: busybox-static)"
	command -v cpio >/dev/null || skip "no cpio"
	kver=$(ls /lib/modules 2>/dev/null | grep -m1 amd64) ||
		skip "no guest kernel (Debian: linux-image-amd64)"
	kernel=/boot/vmlinuz-$kver
	[ -r "$kernel" ] || skip "no $kernel"
	for m in $MODS; do
		[ -r "/lib/modules/$kver/kernel/$m" ] || skip "no module $m"
	done
}

build_initrd() {
	local root="$BATS_TEST_TMPDIR/root" m
	mkdir -p "$root/bin" "$root/mods" "$root/proc" "$root/sys" "$root/dev" "$root/mnt" \
		"$root/etc"
	echo "guest:x:1000:1000::/:/bin/sh" > "$root/etc/passwd"
	echo "guest:x:1000:" > "$root/etc/group"
	cp /bin/busybox "$root/bin/busybox"
	cc -O2 -static -o "$root/bin/xattr-probe" "$top_srcdir/tests/vm/xattr-probe.c"
	cc -O2 -static -o "$root/bin/lock-wait" "$top_srcdir/tests/vm/lock-wait.c"
	for m in $MODS; do cp "/lib/modules/$kver/kernel/$m" "$root/mods/"; done
	guest_script > "$root/test.sh"
	cat > "$root/init" <<INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in $(for m in $MODS; do basename "$m"; done | tr '\n' ' '); do insmod /mods/\$m; done
mount -t virtiofs fbrtag /mnt || { echo "FBR-VM: FAIL mount"; poweroff -f; }
sh /test.sh
poweroff -f
INIT
	chmod +x "$root/init"
	(cd "$root" && find . | cpio -o -H newc 2>/dev/null | gzip) > "$BATS_TEST_TMPDIR/initrd.gz"
}

# start_qemu SOCKET: boot the guest against the back-end listening on
# SOCKET, in the background, its console in console.log; sets qemu_pid.
start_qemu() {
	timeout 900 qemu-system-x86_64 -accel tcg -machine q35,memory-backend=mem \
		-m 512 -object memory-backend-memfd,id=mem,size=512M,share=on \
		-nographic -no-reboot -kernel "$kernel" \
		-initrd "$BATS_TEST_TMPDIR/initrd.gz" \
		-append "console=ttyS0 quiet panic=-1" \
		-chardev socket,id=char0,path="$1" \
		-device vhost-user-fs-pci,queue-size=1024,chardev=char0,tag=fbrtag \
		> "$BATS_TEST_TMPDIR/console.log" 2>&1 </dev/null &
	qemu_pid=$!
}

show_logs() {
	echo "--- console"; tail -30 "$BATS_TEST_TMPDIR/console.log"
	echo "--- daemon"; tail -30 "$BATS_TEST_TMPDIR/daemon.log"
}

# The sanitizers' runtime makes system calls of its own: log them there.
filter() {
	[ "${FBR_SANITIZERS:-no}" = yes ] && echo log || echo kill
}

# LeakSanitizer reads /proc/self/task and traces the threads at exit,
# which the sandbox keeps out of reach: a sanitizer build checks for leaks
# in the unsandboxed guest test.
no_leak_check() {
	[ "${FBR_SANITIZERS:-no}" = no ] || export ASAN_OPTIONS=detect_leaks=0
}
