#!/bin/bash
# One progress line for the four tools (issue 15), on a terminal (script):
#   VERB: DONE / TOTAL (P%), RATE/s, M:SS left, blob I of N
# bytes counted as they move (a big layer read at 1 MB/s through a proxy
# shows many steps, not one jump), no rate or estimate before one second
# of moving bytes, and none that is absurd after.
set -eu
. "$(dirname "$0")/lib.sh"
require_tools cnab-archive cnab-inspect cnab-publish-archive cnab-relocate
command -v script >/dev/null || skip "script(1) is not installed"
export CNAB_RETRY_BASE_MS=50
A=$CNAB_BIN/cnab-archive
I=$CNAB_BIN/cnab-inspect
P=$CNAB_BIN/cnab-publish-archive
R=$CNAB_BIN/cnab-relocate

reg_start plain reg
H=$(_rv reg HOST)
reg_proxy reg --rate-down 1000000
S=$(_rv reg PROXY_HOST)
# shellcheck disable=SC2207
OPTS=($(cnab_opts reg))

# tty CMD...: runs CMD with a terminal on stdout and stderr; OUT is what
# it showed, each carriage return a new line, the escape removed
tty() {
	local q
	printf -v q '%q ' "$@"
	OUT=$(script -qec "$q" /dev/null | tr '\r' '\n' | sed 's/\x1b\[K//g')
}
# lines VERB: the progress lines of VERB
lines() { grep -a "^$1: " <<<"$OUT" || true; }
check_lines() { # VERB WHAT: every line in the format, the first one without a rate
	local verb=$1 n bad first
	n=$(lines "$verb" | wc -l)
	[ "$n" -ge 1 ] || fail "$2: no progress line in: $OUT"
	bad=$(lines "$verb" | grep -Ev "^$verb: [0-9.]+ (B|KiB|MiB)( / [0-9.]+ (B|KiB|MiB) \([0-9]+%\))?(, [0-9.]+ (B|KiB|MiB)/s(, [0-9]+:[0-9]{2} left)?)?(, blob [0-9]+( of [0-9]+)?)?$" || true)
	assert_eq "$bad" "" "$2: every progress line in the one format"
	first=$(lines "$verb" | head -n 1)
	assert_not_contains "$first" "/s" "$2: no rate on the first line"
	# an estimate, once shown, is sane: a 4 MB transfer at 1 MB/s
	if lines "$verb" | grep -Eq '[0-9]+:[0-9]{2} left'; then
		assert_eq "$(lines "$verb" | grep -Eo '[0-9]+:[0-9]{2} left' |
			awk -F'[: ]' '$1 * 60 + $2 > 60' | head -n 1)" "" \
			"$2: no estimate over a minute"
	fi
}

step "a bundle with one 4 MiB layer, behind a 1 MB/s proxy"
fixture_image reg app/big 1 --layers 1 --size 4M >/dev/null
jq -n --arg h "$S" '{schemaVersion: "v1.2.0", name: "progress",
	version: "1.0.0", invocationImages: [{imageType: "docker",
		image: ($h + "/app/big:1")}]}' >"$TEST_DIR/bundle.json"

step "cnab-relocate counts bytes as they move"
tty "$R" "${OPTS[@]}" -f "$TEST_DIR/bundle.json" "$H/moved/app:1"
assert_contains "$OUT" "Bundle tag $H/moved/app:1 pushed successfully"
check_lines copying relocate
# the layer alone takes some 4 s: progress moves during it
steps=$(lines copying | grep -Eo '\([0-9]+%\)' | sort -u | wc -l)
[ "$steps" -ge 5 ] || fail "relocate: only $steps percentages while the layer moved: $(lines copying)"
assert_contains "$(lines copying | tail -n 1)" "blob 2 of 2"
lines copying | grep -q '/s, [0-9]*:[0-9]* left' ||
	fail "relocate: no rate and estimate after seconds of copying: $(lines copying)"

step "cnab-archive, the same format"
tty "$A" "${OPTS[@]}" -f "$TEST_DIR/bundle.json" "$TEST_DIR/a.tgz"
check_lines archiving archive
assert_contains "$(lines archiving | tail -n 1)" " of 3"

step "cnab-inspect --verify through the proxy, the same format"
tty "$I" "${OPTS[@]}" --verify -r "$S/moved/app:1" -o json
check_lines verifying inspect
steps=$(lines verifying | grep -Eo '\([0-9]+%\)' | sort -u | wc -l)
[ "$steps" -ge 5 ] || fail "inspect: only $steps percentages: $(lines verifying)"

step "cnab-publish-archive, the same format (an archive from a pipe: no total)"
tty bash -c "cat '$TEST_DIR/a.tgz' | '$P' $(printf '%q ' "${OPTS[@]}") -a - --tag '$H/pub/app:1'"
assert_contains "$OUT" "Bundle tag $H/pub/app:1 pushed successfully"
check_lines publishing publish
