#!/bin/sh
# Extended attributes: set, get, list, remove; a value with NUL bytes.
: > f
setfattr -n user.a -v 1 f
setfattr -n user.b -v hello f
setfattr -n user.bin -v 0x00ff00 f
getfattr -d f >/dev/null
getfattr -n user.a f >/dev/null
getfattr -e hex -n user.bin f >/dev/null
setfattr -x user.a f
getfattr -d f >/dev/null
getfattr -n user.nope f 2>/dev/null || true
rm f
