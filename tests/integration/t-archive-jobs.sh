#!/bin/bash
# cnab-archive --jobs (issue 13): blobs downloaded concurrently, written in
# the same order: the same bytes at --jobs 1, 4 and 8, with answers held
# back so they come out of order; a fault in one of several concurrent
# downloads fails the run (exit 3 or 4, no file, no hang), a cut one is
# resumed; memory held within the budget whatever the layer sizes.
# cnab-inspect --verify -r runs on the same engine: -j 4 with answers out
# of order, an altered blob (exit 3), -j 1.
# CNAB_BASELINE_BIN=DIR also compares with an archive made by DIR's
# cnab-archive (the build before --jobs).
set -eu
. "$(dirname "$0")/lib.sh"
require_tools cnab-archive cnab-publish-archive cnab-inspect
export CNAB_RETRY_BASE_MS=50
A=$CNAB_BIN/cnab-archive
P=$CNAB_BIN/cnab-publish-archive
I=$CNAB_BIN/cnab-inspect

reg_start plain p
proxy_start px p
H=$(_rv px HOST)
fixture_image p app/installer v1 --layers 8 --size 24K >/dev/null
fixture_image p app/web 2.0 --format oci --layers 6 --size 40K >/dev/null
# one of its layers, to fault
small=$(jq -r '.layers[3].digest' \
	"$FIXTURE_LAYOUT/blobs/sha256/${FIXTURE_DIGEST#sha256:}")
# over the per-blob cap (2 MiB): left to the writer, streamed
fixture_image p app/big 1 --layers 1 --size 5M >/dev/null
jq -n --arg h "$H" '{schemaVersion: "v1.2.0", name: "jobs",
	version: "1.0.0", invocationImages: [{imageType: "docker",
	image: ($h + "/app/installer:v1")}],
	images: {web: {imageType: "oci", image: ($h + "/app/web:2.0")},
		big: {imageType: "oci", image: ($h + "/app/big:1")}}}' \
	>"$TEST_DIR/b.json"
O=$(cnab_opts px)
out=$TEST_DIR/out
mkdir -p "$out"

step "--jobs 1, 4, 8 and the default write the same bytes"
for j in 1 4 8; do
	# shellcheck disable=SC2086
	assert_exit 0 "$A" $O -j "$j" -f "$TEST_DIR/b.json" "$TEST_DIR/j$j.tgz"
done
# shellcheck disable=SC2086
assert_exit 0 "$A" $O -f "$TEST_DIR/b.json" "$TEST_DIR/jdef.tgz"
for j in 4 8 def; do
	cmp "$TEST_DIR/j1.tgz" "$TEST_DIR/j$j.tgz" ||
		fail "--jobs $j wrote other bytes than --jobs 1"
done
if [ -n "${CNAB_BASELINE_BIN:-}" ]; then
	# shellcheck disable=SC2086
	assert_exit 0 "$CNAB_BASELINE_BIN/cnab-archive" $O \
		-f "$TEST_DIR/b.json" "$TEST_DIR/old.tgz"
	cmp "$TEST_DIR/old.tgz" "$TEST_DIR/j4.tgz" ||
		fail "--jobs 4 wrote other bytes than the old build"
	note "same bytes as $CNAB_BASELINE_BIN/cnab-archive"
fi

step "answers out of order: the first blob GETs held back"
proxy_rules px '[{"action": "stall", "seconds": 1, "method": "GET",
	"path": "/blobs/sha256:", "n": 2}]'
proxy_mark px
# shellcheck disable=SC2086
assert_exit 0 "$A" $O -j 4 -f "$TEST_DIR/b.json" "$TEST_DIR/stall.tgz"
cmp "$TEST_DIR/j1.tgz" "$TEST_DIR/stall.tgz" ||
	fail "answers out of order changed the bytes"
# the stalled answers ended last: out of order
first=$(proxy_requests px 'select(.path | test("/blobs/")) | .path' | head -1)
stalled=$(proxy_requests px 'select(.rule == 0) | .path')
assert_contains "$stalled" "/blobs/"
[ "$first" != "$(head -1 <<<"$stalled")" ] ||
	fail "the stalled blob was not answered after the others"

step "a blob altered in one of the concurrent downloads: exit 3, no file"
proxy_rules px "[{\"action\": \"alter\", \"offset\": 100, \"method\": \"GET\",
	\"path\": \"/blobs/$small\"}]"
# shellcheck disable=SC2086
assert_exit 3 timeout 60 "$A" $O -j 4 -f "$TEST_DIR/b.json" "$out/a.tgz"
[ -z "$(ls -A "$out")" ] || fail "a failed run left $(ls -A "$out")"

step "a blob missing: exit 4, no file"
proxy_rules px "[{\"action\": \"status\", \"status\": 404, \"method\": \"GET\",
	\"path\": \"/blobs/$small\"}]"
# shellcheck disable=SC2086
assert_exit 4 timeout 60 "$A" $O -j 4 -f "$TEST_DIR/b.json" "$out/a.tgz"
[ -z "$(ls -A "$out")" ] || fail "a failed run left $(ls -A "$out")"

step "connections cut mid-blob: resumed, same bytes"
proxy_rules px '[{"action": "cut_response", "after": 5000, "method": "GET",
	"path": "/blobs/sha256:", "n": 4}]'
proxy_mark px
# shellcheck disable=SC2086
assert_exit 0 timeout 60 "$A" $O -j 4 -f "$TEST_DIR/b.json" "$TEST_DIR/cut.tgz"
cmp "$TEST_DIR/j1.tgz" "$TEST_DIR/cut.tgz" || fail "a resumed blob changed the bytes"
assert_eq "$(proxy_requests px 'select(.action == "cut_response") | .path' |
	wc -l)" 4
proxy_rules px '[]'

step "inspect --verify -r -j 4: answers out of order, all verified"
# shellcheck disable=SC2086
assert_exit 0 "$P" $O -a "$TEST_DIR/j1.tgz" --tag "$H/app/bundle:1"
# the blob downloaded first (objects go in digest order; manifests are
# read while the graph is walked), held back: the others overtake it
mkdir -p "$TEST_DIR/j1" && tar -xzf "$TEST_DIR/j1.tgz" -C "$TEST_DIR/j1"
lead=
for f in $(ls "$TEST_DIR/j1/artifacts/layout/blobs/sha256" | sort); do
	jq -e 'has("layers") or has("manifests")' \
		"$TEST_DIR/j1/artifacts/layout/blobs/sha256/$f" >/dev/null 2>&1 ||
		{ lead=sha256:$f; break; }
done
[ -n "$lead" ] || fail "no blob found to hold back"
proxy_rules px "[{\"action\": \"stall\", \"seconds\": 2, \"method\": \"GET\",
	\"path\": \"/app/bundle/blobs/$lead\"}]"
proxy_mark px
# shellcheck disable=SC2086
assert_exit 0 timeout 60 "$I" $O --verify -j 4 -r "$H/app/bundle:1"
# every object the archive holds was verified
nblobs=$(ls "$TEST_DIR/j1/artifacts/layout/blobs/sha256" | wc -l)
assert_contains "$ERR" "verified '$H/app/bundle:1': 3 images, $nblobs objects"
first=$(proxy_requests px 'select(.path | test("/app/bundle/blobs/")) | .path' | head -1)
stalled=$(proxy_requests px 'select(.rule == 0) | .path')
assert_contains "$stalled" "$lead"
[ "$first" != "$stalled" ] ||
	fail "the held-back blob was not answered after the others"

step "inspect --verify -r -j 4: a blob altered in one download is exit 3"
proxy_rules px "[{\"action\": \"alter\", \"offset\": 100, \"method\": \"GET\",
	\"path\": \"/app/bundle/blobs/$small\"}]"
proxy_mark px
# shellcheck disable=SC2086
assert_exit 3 timeout 60 "$I" $O --verify -j 4 -r "$H/app/bundle:1"
assert_contains "$ERR" "$small"
[ "$(proxy_requests px 'select(.rule == 0) | .path' | wc -l)" -ge 1 ] ||
	fail "the altered blob was not asked for"

step "inspect --verify -r -j 1: one request at a time, verified"
proxy_rules px '[]'
# shellcheck disable=SC2086
assert_exit 0 timeout 60 "$I" $O --verify -j 1 -r "$H/app/bundle:1"
assert_contains "$ERR" "verified '$H/app/bundle:1': 3 images"
proxy_rules px '[]'

step "archive -r -j 8: manifests read at once, a level at a time; one ping"
fixture_index p app/multi 1 --layers 2 --size 8K >/dev/null
plats=$FIXTURE_PLATFORM_DIGESTS
multi=$FIXTURE_DIGEST
jq --arg h "$H" '.images.multi = {imageType: "oci",
	image: ($h + "/app/multi:1")}' "$TEST_DIR/b.json" >"$TEST_DIR/multi.json"
# shellcheck disable=SC2086
assert_exit 0 "$A" $O -j 1 -f "$TEST_DIR/multi.json" "$TEST_DIR/m1.tgz"
# shellcheck disable=SC2086
assert_exit 0 "$P" $O -a "$TEST_DIR/m1.tgz" --tag "$H/app/mb:1"
# the index of app/multi held back: the other images' manifests, read
# at the same time, overtake it
proxy_rules px "[{\"action\": \"stall\", \"seconds\": 1, \"method\": \"GET\",
	\"path\": \"/app/mb/manifests/$multi\"}]"
proxy_mark px
# shellcheck disable=SC2086
assert_exit 0 timeout 60 "$A" $O -j 8 -r "$H/app/mb:1" "$TEST_DIR/m8.tgz"
cmp "$TEST_DIR/m1.tgz" "$TEST_DIR/m8.tgz" || fail "-r -j 8: other bytes"
bydigest=$(proxy_requests px 'select(.method == "GET" and
	(.path | test("/manifests/sha256:"))) | .path')
# (first the bundle's config manifest, read on its own, then the
# images' manifests)
assert_eq "$(proxy_requests px 'select(.rule == 0) | .path')" \
	"/v2/app/mb/manifests/$multi" "the manifest held back"
assert_eq "$(sed -n 5p <<<"$bydigest")" "/v2/app/mb/manifests/$multi" \
	"the fifth manifest answered (after the config and 3 images)"
# both platforms of the index, each asked for once
for d in $plats; do
	assert_contains "$bydigest" "/app/mb/manifests/$d"
done
assert_eq "$(sort <<<"$bydigest" | uniq -d)" "" "manifests asked for twice"
# the registry pinged once, not once more by each worker
assert_eq "$(proxy_requests px 'select(.path == "/v2/") | .path' | wc -l)" \
	1 "pings"

step "archive -r -j 8: a platform manifest altered once is read again"
set -- $plats
proxy_rules px "[{\"action\": \"alter\", \"offset\": 10, \"method\": \"GET\",
	\"path\": \"/app/mb/manifests/$1\", \"n\": 1}]"
proxy_mark px
# shellcheck disable=SC2086
assert_exit 0 timeout 60 "$A" $O -j 8 -r "$H/app/mb:1" "$TEST_DIR/m8b.tgz"
cmp "$TEST_DIR/m1.tgz" "$TEST_DIR/m8b.tgz" || fail "-r -j 8: other bytes"
assert_eq "$(proxy_requests px "select(.path == \"/v2/app/mb/manifests/$1\")
	| .path" | wc -l)" 2 "reads of the altered manifest"
step "archive -r -j 8: a platform manifest altered every time is exit 3"
proxy_rules px "[{\"action\": \"alter\", \"offset\": 10, \"method\": \"GET\",
	\"path\": \"/app/mb/manifests/$1\"}]"
# shellcheck disable=SC2086
assert_exit 3 timeout 60 "$A" $O -j 8 -r "$H/app/mb:1" "$out/m.tgz"
assert_contains "$ERR" "$1"
[ -z "$(ls -A "$out")" ] || fail "a failed run left $(ls -A "$out")"
proxy_rules px '[]'

step "memory: archive -r of 12 MB layers and many small ones, within budget"
fixture_image p mem/big 1 --layers 3 --size 12M >/dev/null
# blobs under the cap that fill the budget several times over
fixture_image p mem/mid 1 --layers 10 --size 2M >/dev/null
fixture_image p mem/small 1 --layers 20 --size 16K >/dev/null
jq -n --arg h "$(_rv p HOST)" '{schemaVersion: "v1.2.0", name: "mem",
	version: "1", invocationImages: [{imageType: "docker",
	image: ($h + "/mem/big:1")}],
	images: {m: {imageType: "oci", image: ($h + "/mem/mid:1")},
		s: {imageType: "oci", image: ($h + "/mem/small:1")}}}' \
	>"$TEST_DIR/mem.json"
PO=$(cnab_opts p)
# shellcheck disable=SC2086
assert_exit 0 "$A" $PO -f "$TEST_DIR/mem.json" "$TEST_DIR/mem.tgz"
# shellcheck disable=SC2086
assert_exit 0 "$P" $PO -a "$TEST_DIR/mem.tgz" --tag "$(_rv p HOST)/mem/bundle:1"
rss() { # JOBS: peak RSS in KiB of archive -r
	# shellcheck disable=SC2086
	/usr/bin/time -f %M -o "$TEST_DIR/rss" "$A" -q $PO -j "$1" \
		-r "$(_rv p HOST)/mem/bundle:1" "$TEST_DIR/mem$1.tgz" ||
		fail "archive -r --jobs $1 failed"
	cat "$TEST_DIR/rss"
}
r1=$(rss 1)
r8=$(rss 8)
cmp "$TEST_DIR/mem1.tgz" "$TEST_DIR/mem8.tgz" || fail "-r: other bytes at --jobs 8"
note "peak RSS: --jobs 1 ${r1} KiB, --jobs 8 ${r8} KiB"
# the budget (12 MiB), and 8 workers' own handles and malloc arenas
# (not under a sanitizer or valgrind: their shadow memory grows with
# every thread)
if ldd "$CNAB_TOP/cnab-archive" | grep -Eq 'lib[at]san' ||
	[ "${ITEST_VALGRIND:-}" = 1 ]; then
	note "peak RSS not checked: a sanitizer or valgrind build"
else
	[ "$r8" -le $((r1 + 12288 + 6144)) ] ||
		fail "--jobs 8 held ${r8} KiB, over ${r1} KiB + the 12 MiB budget"
fi

echo "ok"
