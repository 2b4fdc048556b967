#!/bin/sh
# Locks: one held while another waits for it and gives up (the kernel
# interrupts the waiting SETLKW: EINTR), then one that gets it.
: > f
flock f sleep 0.4 &
sleep 0.1
flock -w 0.1 f true || true
wait
flock f true
rm f
