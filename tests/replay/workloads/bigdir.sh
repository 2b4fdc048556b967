#!/bin/sh
# List it (two READDIRPLUS replies), remove part of it by name, list it
# again (READDIRPLUS, then READDIR once the kernel has the entries).
ls -l big >/dev/null
i=100
while [ $i -lt 200 ]; do
	rm "big/n$i"
	i=$((i + 1))
done
ls big >/dev/null
