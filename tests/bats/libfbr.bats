#!/usr/bin/env bats
# libfbr as a library others build on: the shared library exports exactly
# what lib/libfbr.sym lists (the ABI check: a symbol gone or moved to
# another version breaks programs linked against it), and every public
# header compiles on its own, with nothing but lib/include on the path.

bats_require_minimum_version 1.5.0

SO="$top_builddir/lib/.libs/libfbr.so"

# name@@VERSION (or name@VERSION) for each symbol the library defines.
exported() {
	nm -D --defined-only "$SO" | awk '$2 != "A" { print $3 }' | LC_ALL=C sort
}

@test "libfbr.so exports exactly the symbols of lib/libfbr.sym" {
	[ -f "$SO" ] || skip "no shared library (configure --disable-shared)"
	exported >"$BATS_TEST_TMPDIR/built"
	grep -v '^#' "$top_srcdir/lib/libfbr.sym" | LC_ALL=C sort >"$BATS_TEST_TMPDIR/listed"
	gone=$(comm -23 "$BATS_TEST_TMPDIR/listed" "$BATS_TEST_TMPDIR/built")
	new=$(comm -13 "$BATS_TEST_TMPDIR/listed" "$BATS_TEST_TMPDIR/built")
	if [ -n "$gone" ]; then
		echo "libfbr.so no longer exports these (or not in this version):"
		echo "$gone"
		echo "A released symbol must stay: put it back, or keep the old"
		echo "version with .symver beside the new one."
	fi
	if [ -n "$new" ]; then
		echo "libfbr.so exports symbols lib/libfbr.sym does not list:"
		echo "$new"
		echo "New public API: add these lines to lib/libfbr.sym, with the"
		echo "function in the newest version node of lib/libfbr.map."
	fi
	[ -z "$gone$new" ]
}

@test "the version script and the symbol list name the same functions" {
	grep -v '^#' "$top_srcdir/lib/libfbr.sym" | sed 's/@.*//' | LC_ALL=C sort >"$BATS_TEST_TMPDIR/sym"
	sed -n 's/^[[:space:]]*\(fbr_[a-z0-9_]*\);.*/\1/p' "$top_srcdir/lib/libfbr.map" |
		LC_ALL=C sort >"$BATS_TEST_TMPDIR/map"
	run -0 diff "$BATS_TEST_TMPDIR/sym" "$BATS_TEST_TMPDIR/map"
}

@test "each public header compiles on its own" {
	for h in "$top_srcdir"/lib/include/fbr/*.h; do
		printf '#include <fbr/%s>\n' "${h##*/}" >"$BATS_TEST_TMPDIR/t.c"
		run -0 ${CC:-cc} -std=c11 -Wall -Wextra -Werror -fsyntax-only \
			-I"$top_srcdir/lib/include" "$BATS_TEST_TMPDIR/t.c"
	done
}

@test "each function a public header declares is exported" {
	[ -f "$SO" ] || skip "no shared library (configure --disable-shared)"
	exported | sed 's/@.*//' >"$BATS_TEST_TMPDIR/built"
	cat "$top_srcdir"/lib/include/fbr/*.h | tr '\n' ' ' |
		grep -oE '[a-z_0-9]+\(' | tr -d '(' | grep '^fbr_' |
		LC_ALL=C sort -u >"$BATS_TEST_TMPDIR/declared"
	# fbr_debug is a macro over fbr_log_enabled() and fbr_log().
	run -0 comm -23 "$BATS_TEST_TMPDIR/declared" "$BATS_TEST_TMPDIR/built"
	[ "$output" = fbr_debug ]
}
