#!/bin/bash
# Hostile archives (issue 6): each is refused by cnab-inspect --verify and
# cnab-publish-archive with exit 3 (or 2), in bounded time and memory, with
# nothing written anywhere and no tag pushed.
set -eu
. "$(dirname "$0")/lib.sh"
require_tools cnab-archive cnab-inspect cnab-publish-archive
A=$CNAB_BIN/cnab-archive
I=$CNAB_BIN/cnab-inspect
P=$CNAB_BIN/cnab-publish-archive

reg_start plain reg
H=$(_rv reg HOST)
# shellcheck disable=SC2207
OPTS=($(cnab_opts reg))

step "a good archive, and hostile ones made from it"
fixture_image reg app/inv 1 --layers 2 --size 256K >/dev/null
jq -n --arg h "$H" '{schemaVersion: "v1.2.0", name: "h", version: "1",
	invocationImages: [{imageType: "docker", image: ($h + "/app/inv:1")}]}' \
	>"$TEST_DIR/b.json"
assert_exit 0 "$A" "${OPTS[@]}" -f "$TEST_DIR/b.json" "$TEST_DIR/good.tgz"
"$ITEST_PYTHON" "$CNAB_TOP/tests/tools/mkhostile.py" "$TEST_DIR/good.tgz" "$TEST_DIR/h"

# the memory bound (sanitizers' shadow memory and quarantine make it moot)
MAXMEM=65536
{ ldd "$CNAB_TOP/cnab-inspect" | grep -q libasan || [ "${ITEST_VALGRIND:-}" = 1 ]; } && MAXMEM=4194304

# runs a tool in an empty directory, within 120 s (else RC is 124) and
# MAXMEM KB, and checks that it wrote nothing there; sets RC, ERR, MAXKB,
# SECS
limited() {
	local dir=$TEST_DIR/run-$1
	shift
	rm -rf "$dir" && mkdir "$dir"
	RC=0
	(cd "$dir" && exec /usr/bin/time -f '%M %e' -o "$dir.time" \
		timeout 120 "$@" >/dev/null 2>"$dir.err") || RC=$?
	ERR=$(cat "$dir.err")
	read -r MAXKB SECS < <(tail -n 1 "$dir.time") || true
	[ -z "$(ls -A "$dir")" ] || fail "$*: wrote $(ls -A "$dir")"
	rmdir "$dir"
	[ "$MAXKB" -lt "$MAXMEM" ] || fail "$(basename "$1") on $name: $MAXKB KB of memory"
}
for f in "$TEST_DIR"/h/*.tgz; do
	name=$(basename "$f" .tgz)
	step "$name"
	limited "$name" "$I" --verify -a "$f"
	assert_eq "$RC" 3 "cnab-inspect --verify on $name: $ERR"
	note "inspect: ${SECS}s, ${MAXKB} KB: $ERR"
	limited "$name" "$P" "${OPTS[@]}" -a "$f" --tag "$H/hostile/$name:1"
	assert_eq "$RC" 3 "cnab-publish-archive on $name: $ERR"
	note "publish: ${SECS}s, ${MAXKB} KB"
	assert_exit 4 "$I" "${OPTS[@]}" -r "$H/hostile/$name:1"
done
[ ! -e /tmp/evil ] || fail "/tmp/evil was written"
[ ! -e "$TEST_DIR/../evil" ] || fail "a file was written outside"

echo ok
