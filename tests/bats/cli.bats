#!/usr/bin/env bats
# The command-line contract every fbr tool keeps: --help, --version, an
# unknown option, a missing argument, and a man page naming every long
# option the tool accepts.

bats_require_minimum_version 1.5.0

setup() {
	tools=()
	for t in "$top_builddir"/tools/*/fbr-*; do
		[ -x "$t" ] && [ -f "$t" ] && tools+=("$t")
	done
	[ ${#tools[@]} -gt 0 ] || skip "no tools built"
}

@test "--help prints usage to stdout and exits 0" {
	for t in "${tools[@]}"; do
		n=$(basename "$t")
		run -0 --separate-stderr "$t" --help
		[[ "$output" == *"Usage: $n"* ]] || { echo "$n: no usage"; false; }
		[ -z "$stderr" ]
		run -0 "$t" -h
	done
}

@test "--version names the tool and the package version" {
	for t in "${tools[@]}"; do
		n=$(basename "$t")
		run -0 --separate-stderr "$t" --version
		[[ "$output" == "$n 0."* ]] || { echo "$n: '$output'"; false; }
		run -0 "$t" -V
	done
}

@test "an unknown option is a usage error (exit 2) on stderr" {
	for t in "${tools[@]}"; do
		n=$(basename "$t")
		run -2 --separate-stderr "$t" --no-such-option
		[ -z "$output" ]
		[[ "$stderr" == "$n: "* ]] || { echo "$n: '$stderr'"; false; }
		[[ "$stderr" == *"Try '$n --help' for more information."* ]]
	done
}

@test "a missing argument is a usage error (exit 2)" {
	for t in "${tools[@]}"; do
		n=$(basename "$t")
		run -2 --separate-stderr "$t"
		[[ "$stderr" == "$n: "* ]] || { echo "$n: '$stderr'"; false; }
	done
}

@test "each man page lists every long option of its tool" {
	for t in "${tools[@]}"; do
		n=$(basename "$t")
		man="$top_srcdir/man/$n.1"
		[ -f "$man" ] || { echo "no $man"; false; }
		opts=$(sed -n 's/.*{ *"\([a-z0-9-]*\)", *\(no\|required\|optional\)_argument.*/\1/p' \
			"$top_srcdir/tools/$n"/*.c)
		[ -n "$opts" ] || { echo "$n: no long options found"; false; }
		text=$(sed 's/\\//g' "$man") # roff escapes out: \-\-x is --x
		for o in $opts; do
			[[ "$text" == *"--$o"* ]] ||
				{ echo "$n: --$o missing from $man"; false; }
		done
	done
}
