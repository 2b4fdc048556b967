#!/bin/sh
# Walk the initial tree, read it, change some of it.
find . -ls >/dev/null
cat a/one a/b/two a/b/c/numbers >/dev/null
du -a . >/dev/null
printf 'three\n' >> a/one
mv a/b a/moved
rm a/moved/link
ls -lR . >/dev/null
