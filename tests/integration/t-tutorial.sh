#!/bin/bash
# The README's tutorial, run as written (issue 8): every command between
# <!-- tutorial --> and <!-- /tutorial -->, in order, must succeed.
set -eu
. "$(dirname "$0")/lib.sh"
require_tools cnab-archive cnab-inspect cnab-publish-archive cnab-relocate

reg_start plain outside
reg_start plain inside
REG=$(_rv outside HOST)
AIRGAP=$(_rv inside HOST)
export REG AIRGAP
fixture_image outside example/installer v1.0.0 --layers 2 --size 64K >/dev/null
fixture_image outside example/web 2.1 --format oci --layers 2 --size 64K >/dev/null

# the lines between the markers, less the ``` fences
sed -n '/^<!-- tutorial -->$/,/^<!-- \/tutorial -->$/p' "$CNAB_TOP/README.md" |
	grep -v '^<!--' | grep -v '^```' >"$TEST_DIR/tutorial.sh"
[ "$(wc -l <"$TEST_DIR/tutorial.sh")" -gt 20 ] || fail "no tutorial found in README.md"
step "running the tutorial ($(grep -c '^cnab-' "$TEST_DIR/tutorial.sh") tool commands)"
mkdir -p "$TEST_DIR/work"
(cd "$TEST_DIR/work" && PATH="$CNAB_BIN:$PATH" bash -eu -o pipefail -x \
	"$TEST_DIR/tutorial.sh") >"$TEST_DIR/out" 2>&1 ||
	{ tail -30 "$TEST_DIR/out" >&2; fail "the tutorial failed"; }
assert_contains "$(cat "$TEST_DIR/out")" "pushed successfully"
assert_contains "$(cat "$TEST_DIR/out")" "$REG/acme/spring-music@sha256:"
assert_contains "$(cat "$TEST_DIR/out")" "$AIRGAP/prod/spring-music@sha256:"
echo ok
