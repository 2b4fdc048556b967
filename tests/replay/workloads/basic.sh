#!/bin/sh
# Files and directories made, written, read, renamed, linked, changed and
# removed; a failing RMDIR (ENOTEMPTY) and a name that is not there.
mkdir d
printf 'hello\n' > d/f
cat d/f
printf 'more\n' >> d/f
cat d/f >/dev/null
mv d/f d/g
ln d/g d/h
ln -s g d/l
readlink d/l
chmod 640 d/g
truncate -s 3 d/h
head -c 3 d/g >/dev/null
dd if=/dev/zero of=d/z bs=4096 count=3 status=none
dd if=d/z of=/dev/null bs=4096 status=none
flock d/z true
stat d/g d/h d/l d/z >/dev/null
ls -la d >/dev/null
mkdir d/sub
: > d/sub/x
rmdir d/sub 2>/dev/null || true
rm d/sub/x
rmdir d/sub
cat d/nope 2>/dev/null || true
rm -f d/g d/h d/l d/z
rmdir d
