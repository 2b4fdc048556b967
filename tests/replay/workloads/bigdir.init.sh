#!/bin/sh
# A directory too big for one READDIRPLUS reply.
mkdir big
i=0
while [ $i -lt 240 ]; do
	: > "big/n$i"
	i=$((i + 1))
done
