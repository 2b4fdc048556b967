#!/bin/sh
# An initial tree: nested directories, files with data, a symlink, a hard
# link, an empty directory, odd modes.
mkdir -p a/b/c e
printf 'one\n' > a/one
printf 'two\ntwo\n' > a/b/two
seq 1 2000 > a/b/c/numbers
ln -s ../one a/b/link
ln a/one e/one-again
chmod 600 a/b/two
chmod 750 a/b/c
