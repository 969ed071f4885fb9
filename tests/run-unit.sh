#!/bin/sh
# Runs the cmocka unit tests, each in its own temporary directory under
# tests/tmp (kept when the test fails).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
CNAB_TESTDATA="$top/testdata"
export CNAB_TESTDATA
failed=
for t in "$@"; do
	name=$(basename "$t")
	dir="$top/tests/tmp/unit/$name"
	rm -rf "$dir" && mkdir -p "$dir"
	if [ "${VALGRIND:-}" = 1 ]; then
		set -- valgrind -q --leak-check=full --error-exitcode=99 \
			--show-leak-kinds=definite,indirect \
			--errors-for-leak-kinds=definite,indirect "$top/$t"
	else
		set -- "$top/$t"
	fi
	if (cd "$dir" && "$@" >"$dir/output" 2>&1); then
		echo "ok   $name"
		rm -rf "$dir"
	else
		echo "FAIL $name (output kept in $dir)"
		sed 's/^/    /' "$dir/output" | tail -40
		failed="$failed $name"
	fi
done
if [ -n "$failed" ]; then
	echo "unit tests failed:$failed"
	exit 1
fi
