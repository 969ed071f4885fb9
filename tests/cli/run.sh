#!/bin/sh
# CLI tests: each tests/cli/cases/*.t runs one command and compares its
# stdout, stderr and exit code, separately, with what the case file says.
#
#   # what the case checks (comments before the command)
#   $ cnab-inspect -a f/cnab.tgz
#   ? 0
#   --- stdout
#   ...
#   --- stderr
#   ...
#
# A missing section means "empty".  The command runs with bash -o pipefail
# -c (so a tool failing inside a pipeline fails the case) in a fresh
# temporary directory holding "f", a link to the fixtures made by
# tests/tools/mkfixtures.py, with the tools first in PATH.  Directories of
# failed cases are kept under tests/tmp/cli.  CLI_UPDATE=1 rewrites the
# case files with what the tools now print (review the diff!).  VALGRIND=1
# runs every tool under valgrind: a leak or a memory error fails the case
# (exit code 99).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp="$top/tests/tmp/cli"
fix="$tmp/fixtures"
rm -rf "$tmp"
mkdir -p "$tmp"
python3 "$top/tests/tools/mkfixtures.py" "$fix" || {
	echo "FAIL cannot make fixtures"
	exit 1
}
cp "$top"/testdata/*.porter.yaml "$top"/testdata/vectors/cnab-spec/*.json \
	"$top"/testdata/vectors/cnab-to-oci/*.json "$fix/"
cp -R "$top"/testdata/porter-v1 "$fix/"
cp -R "$top"/testdata/cosign "$fix/"

# the tools the cases run: the built ones, or valgrind wrappers of them
bin=$top
if [ "${VALGRIND:-}" = 1 ]; then
	bin=$tmp/valgrind-bin
	mkdir -p "$bin"
	for t in cnab-archive cnab-inspect cnab-publish-archive cnab-relocate; do
		cat >"$bin/$t" <<-EOF
			#!/bin/sh
			exec valgrind -q --leak-check=full --show-leak-kinds=definite,indirect \\
				--errors-for-leak-kinds=definite,indirect --error-exitcode=99 \\
				"$top/$t" "\$@"
		EOF
		chmod +x "$bin/$t"
	done
fi

section() { # FILE NAME: the lines of a section
	awk -v want="--- $2" '
		/^--- / { on = ($0 == want); next }
		on { print }' "$1"
}

pass=0
failed=
for case in "$top"/tests/cli/cases/*.t; do
	name=$(basename "$case" .t)
	dir="$tmp/$name"
	mkdir -p "$dir"
	ln -s "$fix" "$dir/f"
	cmd=$(sed -n 's/^\$ //p' "$case" | head -n 1)
	want_rc=$(sed -n 's/^? //p' "$case" | head -n 1)
	section "$case" stdout >"$dir/stdout.want"
	section "$case" stderr >"$dir/stderr.want"
	(cd "$dir" && PATH="$bin:$PATH" bash -o pipefail -c "$cmd" \
		>"$dir/stdout" 2>"$dir/stderr" </dev/null)
	rc=$?
	if [ "${CLI_UPDATE:-}" = 1 ]; then
		{
			sed -n '/^\$ /q;p' "$case"
			printf '$ %s\n? %s\n' "$cmd" "$rc"
			if [ -s "$dir/stdout" ]; then
				echo "--- stdout"
				cat "$dir/stdout"
			fi
			if [ -s "$dir/stderr" ]; then
				echo "--- stderr"
				cat "$dir/stderr"
			fi
		} >"$case.new" && mv "$case.new" "$case"
		continue
	fi
	ok=1
	if [ "$rc" != "$want_rc" ]; then
		echo "FAIL $name: exit code $rc, expected $want_rc"
		ok=
	fi
	for s in stdout stderr; do
		if ! cmp -s "$dir/$s.want" "$dir/$s"; then
			echo "FAIL $name: $s differs:"
			diff -u "$dir/$s.want" "$dir/$s" | sed 's/^/    /' |
				head -30
			ok=
		fi
	done
	if [ -n "$ok" ]; then
		pass=$((pass + 1))
		rm -rf "$dir"
	else
		echo "     (kept in $dir)"
		failed="$failed $name"
	fi
done
if [ -n "$failed" ]; then
	echo "cli: $pass passed, failed:$failed"
	exit 1
fi
echo "cli: $pass passed"
