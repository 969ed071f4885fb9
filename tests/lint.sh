#!/bin/sh
# make lint: mechanical checks of the project's own rules (STYLE.md).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
status=0
src=$(git ls-files 'common/*.[ch]' 'formats/*.[ch]' 'tools/*.[ch]' \
	'tests/unit/*.[ch]' 'tests/fuzz/*.[ch]')
lib=$(git ls-files 'common/*.[ch]' 'formats/*.[ch]')

banned=$(grep -nE '\b(sprintf|vsprintf|strcpy|strcat|strtok|atoi|atol|gets)\s*\(' \
	$src | grep -v 'snprintf')
if [ -n "$banned" ]; then
	echo "lint: banned functions (use snprintf, cnab_buf, strtoul...):"
	echo "$banned"
	status=1
fi
prints=$(grep -nE '\b(printf|fprintf|puts|perror|exit|abort)\s*\(' $lib |
	grep -v 'snprintf')
if [ -n "$prints" ]; then
	echo "lint: the library prints or exits (only tools/ may):"
	echo "$prints"
	status=1
fi
long=$(awk 'length($0) > 80 { print FILENAME ":" FNR }' $src)
if [ -n "$long" ]; then
	echo "lint: lines longer than 80 columns:"
	echo "$long"
	status=1
fi
if command -v clang-format >/dev/null 2>&1; then
	if ! clang-format --dry-run --Werror $src 2>/dev/null; then
		echo "lint: not formatted as .clang-format says" \
			"(run clang-format -i on):"
		for f in $src; do
			clang-format --dry-run --Werror "$f" >/dev/null 2>&1 ||
				echo "  $f"
		done
		status=1
	fi
fi
[ $status -eq 0 ] && echo "lint: ok"
exit $status
