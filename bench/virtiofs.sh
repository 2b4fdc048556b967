#!/bin/bash
# fbr-virtiofsd against Debian's C virtiofsd (/usr/lib/qemu/virtiofsd), one
# guest workload, interleaved round by round: a QEMU (TCG) guest boots
# Debian's kernel with a busybox initramfs, mounts the share and runs
# fbr-bench-files on FILES files (create+write 4 KiB, stat, readdir,
# open+read, unlink), a sequential write and read of MiB (caches dropped
# in between) and 4 KiB random reads; the host records each daemon's CPU
# time (user+system, its children included) for the whole boot and
# workload.  Prints, per contender, the best and the median of ROUNDS, and
# the ratios fbr/C: guest speed (higher is better, geometric mean at the
# end) and daemon CPU (lower is better).
#
#   bench/virtiofs.sh [-n ROUNDS] [-f FILES] [-s MiB] [-r READS] [-b BUILDDIR]
#                     [-d DIR]
#
# Guest times inside a TCG guest move by up to half between identical
# runs; the daemons' CPU time is the steadier measure.  Needs root,
# qemu-system-x86, linux-image-amd64, busybox-static, cpio, and a static
# libc (Debian's libc6-dev has it).
set -euo pipefail

rounds=3 files=5000 size=256 reads=2000 base=/var/tmp
src=$(cd "$(dirname "$0")/.." && pwd)
build=$src/build
while getopts n:f:s:r:b:d: opt; do
	case $opt in
	n) rounds=$OPTARG ;; f) files=$OPTARG ;; s) size=$OPTARG ;;
	r) reads=$OPTARG ;; b) build=$(cd "$OPTARG" && pwd) ;; d) base=$OPTARG ;;
	*) exit 2 ;;
	esac
done

cvfsd=/usr/lib/qemu/virtiofsd
fvfsd=$build/tools/fbr-virtiofsd/fbr-virtiofsd
kver=$(ls /lib/modules | grep -m1 amd64) || { echo "no guest kernel" >&2; exit 1; }
for x in "$cvfsd" "$fvfsd" /bin/busybox /usr/bin/time "/boot/vmlinuz-$kver"; do
	[ -e "$x" ] || { echo "bench/virtiofs.sh: missing $x" >&2; exit 1; }
done
MODS="drivers/virtio/virtio_ring.ko drivers/virtio/virtio.ko
drivers/virtio/virtio_pci_legacy_dev.ko drivers/virtio/virtio_pci_modern_dev.ko
drivers/virtio/virtio_pci.ko fs/fuse/fuse.ko fs/fuse/virtiofs.ko"

work=$(mktemp -d "$base/fbr-vbench.XXXXXX")
cleanup() { pkill -f "$work/sock" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
share=$work/share
root=$work/root
mkdir -p "$share" "$root/bin" "$root/mods" "$root/proc" "$root/sys" \
	"$root/dev" "$root/mnt"

# The guest: busybox, the modules, the two workload programs (static).
cp /bin/busybox "$root/bin/"
for m in $MODS; do cp "/lib/modules/$kver/kernel/$m" "$root/mods/"; done
cc -O2 -static -o "$root/bin/fbr-bench-files" "$src/bench/files.c"
cc -O2 -static -o "$root/bin/fbr-bench-randread" "$src/bench/randread.c"
cat >"$root/init" <<INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in $(echo $MODS | tr '\n' ' '); do insmod /mods/\${m##*/}; done
up() { cut -d' ' -f1 /proc/uptime; }
rate() { awk -v a="\$1" -v b="\$2" -v n="\$3" 'BEGIN { printf "%.1f", n / (b - a) }'; }
mount -t virtiofs share /mnt || { echo "FBR-BENCH-FAIL mount"; poweroff -f; }
mkdir /mnt/files && fbr-bench-files /mnt/files $files | sed 's/^/FBR-BENCH /'
rmdir /mnt/files
a=\$(up); dd if=/dev/zero of=/mnt/big bs=1M count=$size conv=fsync 2>/dev/null
b=\$(up); echo "FBR-BENCH seqwrite_MiB/s \$(rate \$a \$b $size)"
echo 3 > /proc/sys/vm/drop_caches
a=\$(up); dd if=/mnt/big of=/dev/null bs=1M 2>/dev/null
b=\$(up); echo "FBR-BENCH seqread_MiB/s \$(rate \$a \$b $size)"
echo 3 > /proc/sys/vm/drop_caches
fbr-bench-randread /mnt/big $reads | sed 's/^/FBR-BENCH /'
rm /mnt/big
umount /mnt
echo FBR-BENCH-DONE
poweroff -f
INIT
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc 2>/dev/null | gzip) >"$work/initrd.gz"

# run CONTENDER: boot the guest against it; "metric value" lines.
run() {
	local sock=$work/sock log=$work/console cpu=$work/cpu
	rm -f "$sock"
	case $1 in
	fbr) /usr/bin/time -f '%U %S' -o "$cpu" "$fvfsd" --socket-path "$sock" \
		--shared-dir "$share" --cache auto 2>"$work/daemon.err" & ;;
	c) /usr/bin/time -f '%U %S' -o "$cpu" "$cvfsd" --socket-path="$sock" \
		-o source="$share" -o cache=auto 2>"$work/daemon.err" & ;;
	esac
	local dpid=$!
	for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
	timeout 1200 qemu-system-x86_64 -accel tcg -machine q35,memory-backend=mem \
		-m 1024 -object memory-backend-memfd,id=mem,size=1024M,share=on \
		-nographic -no-reboot -kernel "/boot/vmlinuz-$kver" \
		-initrd "$work/initrd.gz" -append "console=ttyS0 quiet panic=-1" \
		-chardev socket,id=c0,path="$sock" \
		-device vhost-user-fs-pci,queue-size=1024,chardev=c0,tag=share \
		>"$log" 2>&1 </dev/null || true
	wait "$dpid" || true
	grep -q FBR-BENCH-DONE "$log" ||
		{ echo "bench/virtiofs.sh: the $1 run failed:" >&2; tail -5 "$log" >&2; exit 1; }
	tr -d '\r' <"$log" | sed -n 's/.*FBR-BENCH \([a-z_/A-Z]*\) \([0-9.]*\)$/\1 \2/p'
	awk '{ printf "daemon_cpu_s %.2f\n", $1 + $2 }' "$cpu"
}

results=$work/results
for ((r = 1; r <= rounds; r++)); do
	for c in fbr c; do
		run "$c" | sed "s/^/$c /" >>"$results"
		echo "round $r: $c done" >&2
	done
done

printf '\n%d rounds, %d files, %d MiB, %d random reads; cache=auto; TCG guest, Linux %s\n' \
	"$rounds" "$files" "$size" "$reads" "$kver"
python3 - "$results" <<'PY'
import math, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    who, metric, value = line.split()
    runs.setdefault(metric, {}).setdefault(who, []).append(float(value))
order = ["create", "stat", "readdir", "read", "unlink", "seqwrite_MiB/s",
         "seqread_MiB/s", "randread", "daemon_cpu_s"]
print(f"{'metric':16} {'fbr best':>10} {'fbr median':>11} {'C best':>10} "
      f"{'C median':>10} {'fbr/C (best)':>13}")
speed = []
for m in order:
    f, c = runs[m]["fbr"], runs[m]["c"]
    lower = m == "daemon_cpu_s"
    fb, cb = (min(f), min(c)) if lower else (max(f), max(c))
    ratio = fb / cb
    if not lower:
        speed.append(ratio)
    unit = "s" if lower else ("MiB/s" if "MiB" in m else "ops/s")
    print(f"{m:16} {fb:10.1f} {statistics.median(f):11.1f} {cb:10.1f} "
          f"{statistics.median(c):10.1f} {ratio:13.2f}")
gm = math.exp(sum(math.log(x) for x in speed) / len(speed))
print(f"\nguest speed fbr/C, geometric mean of the best: {gm:.2f}")
print("daemon CPU fbr/C: the daemon_cpu_s line (below 1: fbr uses less)")
PY
