#!/bin/bash
# Faults between the tools and real registries (issue 6), injected by
# fault-proxy.py: random 5xx and cut connections, an upload cut mid-layer,
# retries exhausted, Retry-After, stalls, altered bodies, refused media
# types (the fallbacks), redirects to another host, secrets in output.
set -eu
. "$(dirname "$0")/lib.sh"
require_tools cnab-archive cnab-inspect cnab-publish-archive cnab-relocate
export CNAB_RETRY_BASE_MS=20
A=$CNAB_BIN/cnab-archive
I=$CNAB_BIN/cnab-inspect
P=$CNAB_BIN/cnab-publish-archive
R=$CNAB_BIN/cnab-relocate

reg_start plain src
reg_start plain dst
proxy_start ps src
proxy_start pd dst
PS=$(_rv ps HOST)
PD=$(_rv pd HOST)
D=$(_rv dst HOST)
# shellcheck disable=SC2207
OPTS=($(cnab_opts src dst ps pd))

step "a bundle whose images are reached through a proxy"
fixture_image src app/installer v1 --layers 2 --size 512K >/dev/null
fixture_image src app/web 2.0 --format oci --layers 3 --size 2M >/dev/null
WEB=$FIXTURE_DIGEST
fixture_index src app/multi 1.0 --size 256K >/dev/null
fixture_image src app/big 1 --format oci --layers 1 --size 40M >/dev/null
BIG=$FIXTURE_DIGEST
jq -n --arg h "$PS" '{schemaVersion: "v1.2.0", name: "faults",
	version: "1.0.0", invocationImages: [{imageType: "docker",
		image: ($h + "/app/installer:v1")}],
	images: {web: {imageType: "oci", image: ($h + "/app/web:2.0")},
		multi: {imageType: "oci", image: ($h + "/app/multi:1.0")}}}' \
	>"$TEST_DIR/bundle.json"
assert_exit 0 "$A" "${OPTS[@]}" -f "$TEST_DIR/bundle.json" "$TEST_DIR/clean.tgz"
assert_exit 0 "$P" "${OPTS[@]}" -a "$TEST_DIR/clean.tgz" --tag "$PD/clean/app:1" -o json
DIGEST=$(jq -r .digest <<<"$OUT")

step "10% random 5xx and cut connections: everything succeeds, same digests"
RANDOM_FAULTS='[
	{"action": "status", "status": 503, "prob": 0.06},
	{"action": "status", "status": 502, "prob": 0.02},
	{"action": "status", "status": 500, "prob": 0.02, "path": "/blobs/"},
	{"action": "cut_response", "after": 30000, "prob": 0.05},
	{"action": "cut_request", "after": 20000, "prob": 0.03, "method": "PATCH|PUT"},
	{"action": "cut_request", "after": 20000, "prob": 0.02, "method": "PATCH",
	 "forward_part": true}
]'
proxy_rules ps "$RANDOM_FAULTS"
proxy_rules pd "$RANDOM_FAULTS"
proxy_mark ps
assert_exit 0 "$A" -v "${OPTS[@]}" -f "$TEST_DIR/bundle.json" "$TEST_DIR/faulty.tgz"
cmp "$TEST_DIR/clean.tgz" "$TEST_DIR/faulty.tgz" || fail "faults changed the archive"
FAULTS=$(proxy_count ps '*' . '5..|null')
note "archive: $FAULTS faults in $(proxy_count ps '*' .) requests"
proxy_mark pd
assert_exit 0 "$P" "${OPTS[@]}" -a "$TEST_DIR/clean.tgz" --tag "$PD/faulty/app:1" -o json
assert_eq "$(jq -r .digest <<<"$OUT")" "$DIGEST"
n=$(proxy_count pd '*' . '5..|null')
note "publish: $n faults in $(proxy_count pd '*' .) requests"
FAULTS=$((FAULTS + n))
assert_exit 0 "$P" "${OPTS[@]}" -a "$TEST_DIR/clean.tgz" --tag "$PS/pub/app:1"
assert_exit 0 "$R" "${OPTS[@]}" -o json "$PS/pub/app:1" "$PD/relocated/app:1"
assert_eq "$(jq -r .digest <<<"$OUT")" "$DIGEST"
# (some 80 requests at 10% each: none failing would mean no fault ran)
[ "$FAULTS" -gt 0 ] || fail "no fault was injected"
proxy_rules ps '[]'
proxy_rules pd '[]'
assert_exit 0 "$I" "${OPTS[@]}" --verify -q -r "$D/faulty/app:1"
assert_exit 0 "$I" "${OPTS[@]}" --verify -q -r "$D/relocated/app:1"

step "an upload cut in the middle of a layer resumes where the registry stopped (--spool 0: streamed in chunks)"
jq -n --arg h "$PS" '{schemaVersion: "v1.2.0", name: "big", version: "1",
	invocationImages: [{imageType: "oci", image: ($h + "/app/big:1")}]}' \
	>"$TEST_DIR/big.json"
assert_exit 0 "$A" "${OPTS[@]}" -f "$TEST_DIR/big.json" "$TEST_DIR/big.tgz"
LAYER=$(sk_inspect --raw "docker://$(_rv src HOST)/app/big:1" | jq -r '.layers[0].size')
# the third 8 MiB chunk is cut after 1 MB that never reach the registry
proxy_rules pd '[{"action": "cut_request", "method": "PATCH", "skip": 2,
	"n": 1, "after": 1000000}]'
proxy_mark pd
assert_exit 0 "$P" -v "${OPTS[@]}" --spool 0 -a "$TEST_DIR/big.tgz" --tag "$PD/resume/app:1"
sent=$(proxy_requests pd 'select(.method == "PATCH") | .req_read' | paste -sd+ | bc)
note "layer of $LAYER bytes: $sent bytes of PATCH bodies sent"
[ "$sent" -lt $((LAYER + 9000000)) ] ||
	fail "the cut layer was sent again from byte 0 ($sent bytes)"
assert_eq "$(proxy_count pd PATCH . '202')" $(((LAYER + 8388607) / 8388608)) \
	"PATCHes answered (8 MiB chunks)"
assert_contains "$ERR" "GET http://$PD/v2/resume/app/blobs/uploads/"
assert_exit 0 "$I" "${OPTS[@]}" --verify -q -r "$D/resume/app:1"

step "cut after part of a chunk reached the registry: Distribution drops the session; the blob is read again from the file"
proxy_rules pd '[{"action": "cut_request", "method": "PATCH", "skip": 2,
	"n": 1, "after": 1000000, "forward_part": true}]'
assert_exit 0 "$P" -v "${OPTS[@]}" --spool 0 -a "$TEST_DIR/big.tgz" --tag "$PD/replay/app:1"
assert_contains "$ERR" "sending it again"
assert_exit 0 "$I" "${OPTS[@]}" --verify -q -r "$D/replay/app:1"
# from split volumes, the blob is read again from the set (issue 17)
assert_exit 0 "$A" "${OPTS[@]}" -f "$TEST_DIR/big.json" --split-size 7M \
	"$TEST_DIR/vol.tgz"
proxy_rules pd '[{"action": "cut_request", "method": "PATCH", "skip": 2,
	"n": 1, "after": 1000000, "forward_part": true}]'
assert_exit 0 "$P" -v "${OPTS[@]}" --spool 0 -a "$TEST_DIR/vol.tgz.000" --tag "$PD/replay-split/app:1"
assert_contains "$ERR" "sending it again"
assert_exit 0 "$I" "${OPTS[@]}" --verify -q -r "$D/replay-split/app:1"
# from stdin the blob cannot be read again: a clear failure, no tag
proxy_rules pd '[{"action": "cut_request", "method": "PATCH", "skip": 2,
	"n": 1, "after": 1000000, "forward_part": true}]'
run sh -c "cat '$TEST_DIR/big.tgz' | '$P' $(printf '%q ' "${OPTS[@]}") --spool 0 -a - --tag '$PD/stdin/app:1'"
assert_eq "$RC" 1 "publish from stdin after a lost upload"
assert_contains "$ERR" "lost the upload"
assert_exit 4 "$I" "${OPTS[@]}" -r "$D/stdin/app:1"
proxy_rules pd '[]'
assert_exit 0 "$P" "${OPTS[@]}" -a "$TEST_DIR/big.tgz" --tag "$PD/stdin/app:1"

step "a spooled layer: one PUT with its body; cut after part reached the registry, sent again from its spool file, even from stdin"
# the default --spool: the layer (over 2 MiB) is written to an unnamed
# file in $TMPDIR as it is read, and a worker uploads it from there
mkdir -p "$TEST_DIR/spool"
proxy_mark pd
TMPDIR=$TEST_DIR/spool assert_exit 0 "$P" -v "${OPTS[@]}" -a "$TEST_DIR/big.tgz" \
	--tag "$PD/spooled/app:1" -o json
assert_eq "$(jq -r .digest <<<"$OUT")" \
	"sha256:$(sk_inspect --raw "docker://$D/resume/app:1" | sha256sum | cut -d' ' -f1)" \
	"the same bundle spooled as streamed"
assert_eq "$(proxy_count pd PATCH .)" 0 "PATCHes of a spooled publish"
assert_eq "$(proxy_count pd PUT '/blobs/uploads/' 201)" 3 \
	"blobs in one PUT each (the layer, the image config, the bundle config)"
assert_eq "$(ls -A "$TEST_DIR/spool")" "" "files left in TMPDIR"
assert_exit 0 "$I" "${OPTS[@]}" --verify -q -r "$D/spooled/app:1"
# (the rules name the layer: the image's config goes up at the same time)
LAYERHEX=$(sk_inspect --raw "docker://$(_rv src HOST)/app/big:1" | jq -r '.layers[0].digest' | cut -d: -f2)
for from in file stdin; do
	proxy_rules pd "[{\"action\": \"cut_request\", \"method\": \"PUT\",
		\"path\": \"/blobs/uploads/\", \"query\": \"$LAYERHEX\",
		\"n\": 1, \"after\": 5000000, \"forward_part\": true}]"
	proxy_mark pd
	if [ "$from" = file ]; then
		run "$P" -v "${OPTS[@]}" -a "$TEST_DIR/big.tgz" --tag "$PD/respool-$from/app:1"
	else
		run sh -c "cat '$TEST_DIR/big.tgz' | '$P' -v $(printf '%q ' "${OPTS[@]}") -a - --tag '$PD/respool-$from/app:1'"
	fi
	assert_eq "$RC" 0 "publish from a $from after a spooled PUT was cut: $ERR"
	assert_contains "$ERR" "sending it again, from its spool file"
	assert_eq "$(proxy_count pd PUT '/blobs/uploads/' 201)" 3 "blob PUTs completed ($from)"
	assert_exit 0 "$I" "${OPTS[@]}" --verify -q -r "$D/respool-$from/app:1"
done
# a spooled layer whose bytes do not match its name: exit 3 when the
# reader reaches its end, before a worker has it: never uploaded, no tag
"$ITEST_PYTHON" "$CNAB_TOP/tests/tools/restyle.py" "$TEST_DIR/big.tgz" "$TEST_DIR/big-bad.tgz" \
	--corrupt "sha256:$LAYERHEX"
proxy_mark pd
TMPDIR=$TEST_DIR/spool assert_exit 3 "$P" "${OPTS[@]}" -a "$TEST_DIR/big-bad.tgz" \
	--tag "$PD/spoolbad/app:1"
assert_contains "$ERR" "$LAYERHEX"
assert_eq "$(proxy_count pd PUT "$LAYERHEX")" 0 "PUTs of the corrupt layer"
assert_eq "$(curl -s -o /dev/null -w '%{http_code}' -I \
	"http://$D/v2/spoolbad/app/blobs/sha256:$LAYERHEX")" 404 "the corrupt layer in the registry"
assert_exit 4 "$I" "${OPTS[@]}" -r "$D/spoolbad/app:1"
assert_eq "$(ls -A "$TEST_DIR/spool")" "" "files left in TMPDIR"
# the layer's PUT always cut: given up after 5 sends, exit 1, no tag
proxy_rules pd "[{\"action\": \"cut_request\", \"method\": \"PUT\",
	\"path\": \"/blobs/uploads/\", \"query\": \"$LAYERHEX\", \"after\": 5000000,
	\"forward_part\": true}]"
proxy_mark pd
assert_exit 1 "$P" "${OPTS[@]}" -a "$TEST_DIR/big.tgz" --tag "$PD/nospool/app:1"
assert_contains "$ERR" "$LAYERHEX"
assert_eq "$(proxy_count pd PUT "$LAYERHEX")" 5 "PUTs of a layer always cut"
assert_exit 4 "$I" "${OPTS[@]}" -r "$D/nospool/app:1"
proxy_rules pd '[]'
# a spool directory that cannot be written: the layer is streamed, as
# with --spool 0
proxy_mark pd
TMPDIR=$TEST_DIR/no-such-dir assert_exit 0 "$P" "${OPTS[@]}" -a "$TEST_DIR/big.tgz" \
	--tag "$PD/nodir/app:1"
[ "$(proxy_count pd PATCH '/blobs/uploads/' 202)" -gt 0 ] ||
	fail "no spool directory: the layer was not streamed in chunks"
assert_exit 2 "$P" --spool 10X -a "$TEST_DIR/big.tgz" --tag "$PD/x/app:1"
assert_contains "$ERR" "invalid --spool '10X'"

step "retries exhausted: exit 1, the registry and the last status, tag untouched"
# each request is tried CNAB_RETRY_ATTEMPTS times in all, not that many
# times over in nested loops
proxy_rules pd '[{"action": "status", "status": 503, "method": "POST|PATCH|PUT"}]'
proxy_mark pd
CNAB_RETRY_ATTEMPTS=3 assert_exit 1 "$P" "${OPTS[@]}" --jobs 1 -a "$TEST_DIR/big.tgz" \
	--tag "$PD/clean/app:1" --force
assert_contains "$ERR" "registry '$PD'"
assert_contains "$ERR" "503"
assert_eq "$(proxy_count pd POST '/blobs/uploads/$')" 3 "upload POSTs answered 503"
# with 4 jobs, each blob begun before the first failure (at most the 4
# workers' and the one the reader streams) is tried 3 times, no more
proxy_mark pd
CNAB_RETRY_ATTEMPTS=3 assert_exit 1 "$P" "${OPTS[@]}" --jobs 4 -a "$TEST_DIR/big.tgz" \
	--tag "$PD/clean/app:1" --force
assert_contains "$ERR" "503"
n=$(proxy_count pd POST '/blobs/uploads/$')
[ $((n % 3)) -eq 0 ] && [ "$n" -ge 3 ] && [ "$n" -le 15 ] ||
	fail "upload POSTs answered 503 at --jobs 4: $n, not 3 per blob begun"
# a blob whose every GET is cut before a byte of it arrives
proxy_rules ps '[{"action": "cut_response", "after": 0, "method": "GET",
	"path": "/blobs/sha256:"}]'
proxy_mark ps
CNAB_RETRY_ATTEMPTS=3 assert_exit 1 "$A" -j 1 "${OPTS[@]}" \
	-f "$TEST_DIR/bundle.json" "$TEST_DIR/cut.tgz"
assert_contains "$ERR" "cannot reach registry '$PS'"
assert_eq "$(proxy_count ps GET '/blobs/sha256:')" 3 "blob GETs cut"
# concurrent: each of the 4 jobs gives up on its blob, and so does the
# writer on the one over the cap (2 MiB) it streams itself; no more start
proxy_mark ps
CNAB_RETRY_ATTEMPTS=3 assert_exit 1 "$A" -j 4 "${OPTS[@]}" \
	-f "$TEST_DIR/bundle.json" "$TEST_DIR/cut.tgz"
assert_contains "$ERR" "cannot reach registry '$PS'"
n=$(proxy_count ps GET '/blobs/sha256:')
[ "$n" -ge 3 ] && [ "$n" -le 15 ] ||
	fail "blob GETs cut at --jobs 4: $n, want 3 to 15"
[ ! -e "$TEST_DIR/cut.tgz" ] || fail "a failed run left an archive"
proxy_rules ps '[]'
# every PATCH of a chunked upload cut before it reaches the registry: the
# session is not lost, so the blob is not read again from the file
proxy_rules pd '[{"action": "cut_request", "method": "PATCH", "after": 100000}]'
proxy_mark pd
CNAB_RETRY_ATTEMPTS=3 assert_exit 1 "$P" -v "${OPTS[@]}" --spool 0 \
	-a "$TEST_DIR/big.tgz" --tag "$PD/cutpatch/app:1"
assert_not_contains "$ERR" "sending it again"
assert_eq "$(proxy_count pd PATCH '/blobs/uploads/')" 3 "PATCHes cut"
proxy_rules pd '[{"action": "status", "status": 503, "method": "POST|PATCH|PUT"}]'
assert_exit 1 "$P" "${OPTS[@]}" -a "$TEST_DIR/clean.tgz" --tag "$PD/exhausted/app:1"
assert_contains "$ERR" "503"
proxy_rules pd '[]'
assert_eq "sha256:$(sk_inspect --raw "docker://$D/clean/app:1" | sha256sum | cut -d' ' -f1)" \
	"$DIGEST" "the tag kept its bundle"
assert_exit 4 "$I" "${OPTS[@]}" -r "$D/exhausted/app:1"
# nothing listening at all
assert_exit 1 "$P" --insecure-registry 127.0.0.1:1 -a "$TEST_DIR/clean.tgz" \
	--tag 127.0.0.1:1/never/app:1
assert_contains "$ERR" "cannot reach registry '127.0.0.1:1'"
proxy_rules ps '[{"action": "status", "status": 500}]'
assert_exit 1 "$A" "${OPTS[@]}" -f "$TEST_DIR/bundle.json" "$TEST_DIR/none.tgz"
assert_contains "$ERR" "500"
[ ! -e "$TEST_DIR/none.tgz" ] || fail "a failed archive was left"

step "a blob body cut short once: the download resumes; 403: a clear error"
proxy_rules ps '[{"action": "truncate", "drop": 100, "n": 1, "method": "GET",
	"path": "/blobs/sha256:"}]'
assert_exit 0 "$A" "${OPTS[@]}" -f "$TEST_DIR/bundle.json" "$TEST_DIR/short.tgz"
cmp "$TEST_DIR/clean.tgz" "$TEST_DIR/short.tgz"
proxy_rules ps '[{"action": "status", "status": 403, "path": "/manifests/"}]'
assert_exit 1 "$I" "${OPTS[@]}" -r "$PS/pub/app:1"
assert_contains "$ERR" "access denied by registry '$PS'"
proxy_rules ps '[]'

step "429 with Retry-After, in seconds and as a date, is honoured"
proxy_rules ps '[{"action": "status", "status": 429, "retry_after": "1", "n": 1,
	"path": "/manifests/"}]'
t0=$(date +%s.%N)
assert_exit 0 "$I" "${OPTS[@]}" -r "$PS/pub/app:1"
t1=$(date +%s.%N)
[ "$(echo "$t1 - $t0 >= 1" | bc)" = 1 ] || fail "Retry-After: 1 was not waited for"
proxy_rules ps '[{"action": "status", "status": 429, "retry_after": "+2", "n": 1,
	"path": "/manifests/"}]'
t0=$(date +%s.%N)
assert_exit 0 "$I" "${OPTS[@]}" -r "$PS/pub/app:1"
t1=$(date +%s.%N)
[ "$(echo "$t1 - $t0 >= 1" | bc)" = 1 ] || fail "an HTTP-date Retry-After was not waited for"

step "a stalled answer is given up and retried"
proxy_rules ps '[{"action": "stall", "seconds": 60, "n": 1, "path": "/blobs/sha256", "after": 1000}]'
CNAB_STALL_TIMEOUT=2 run "$A" "${OPTS[@]}" -f "$TEST_DIR/bundle.json" "$TEST_DIR/stall.tgz"
assert_eq "$RC" 0 "archive after a stall: $ERR"
cmp "$TEST_DIR/clean.tgz" "$TEST_DIR/stall.tgz"

step "an altered body is detected, never written or forwarded"
proxy_rules ps "[{\"action\": \"alter\", \"offset\": 100000,
	\"path\": \"/blobs/sha256\", \"method\": \"GET\"}]"
assert_exit 3 "$A" "${OPTS[@]}" -f "$TEST_DIR/bundle.json" "$TEST_DIR/altered.tgz"
assert_contains "$ERR" "digest mismatch"
[ ! -e "$TEST_DIR/altered.tgz" ] || fail "an archive with altered content was written"
ls "$TEST_DIR" | grep -q 'altered.tgz.tmp' && fail "a temporary file was left"
assert_exit 3 "$R" "${OPTS[@]}" "$PS/pub/app:1" "$PD/altered/app:1"
assert_exit 4 "$I" "${OPTS[@]}" -r "$D/altered/app:1"
# none of the altered bytes became a blob at the destination
layers=$(sk_inspect --raw "docker://$D/clean/app@$WEB" | jq -r '.layers[].digest')
[ -n "$layers" ] || fail "no layers to check"
for d in $layers; do
	code=$(curl -s -o /dev/null -w '%{http_code}' -I "http://$D/v2/altered/app/blobs/$d")
	[ "$code" = 404 ] || fail "blob $d reached the destination ($code)"
done
proxy_rules ps '[]'

step "a registry refusing the index: a Docker manifest list, read back"
# (the bundle's index, pushed to the tag; its multi-platform image is an
# OCI index too, which must keep its bytes)
proxy_rules pd '[{"action": "reject_manifest", "when": "oci_index", "path": "/manifests/1$"}]'
assert_exit 0 "$P" -v "${OPTS[@]}" -a "$TEST_DIR/clean.tgz" --tag "$PD/list/app:1" -o json
LIST=$(jq -r .digest <<<"$OUT")
assert_ne "$LIST" "$DIGEST" "the fallback is another document"
proxy_rules pd '[]'
assert_eq "$(sk_inspect --raw "docker://$D/list/app:1" | jq -r .mediaType)" \
	application/vnd.docker.distribution.manifest.list.v2+json
assert_exit 0 "$I" "${OPTS[@]}" --verify -o json -r "$D/list/app:1"
assert_eq "$(jq -r '.images[] | select(.name == "web") | .image' <<<"$OUT")" "$D/list/app@$WEB"
assert_exit 0 "$A" "${OPTS[@]}" -r "$D/list/app:1" "$TEST_DIR/list.tgz"
cmp "$TEST_DIR/clean.tgz" "$TEST_DIR/list.tgz" || fail "archive -r of a manifest list differs"
# the same archive again, the registry now taking OCI indexes: the tag
# holds this bundle already (as a manifest list), so nothing is written
proxy_mark pd
assert_exit 0 "$P" -v "${OPTS[@]}" -a "$TEST_DIR/clean.tgz" --tag "$PD/list/app:1" -o json
assert_eq "$(jq -r .digest <<<"$OUT")" "$LIST"
assert_contains "$ERR" "holds this bundle already"
assert_exit 0 "$R" "${OPTS[@]}" "$PD/list/app:1" "$PD/list/app:1"
assert_eq "$(proxy_count pd 'PUT|POST|PATCH|DELETE' .)" 0 "writes on a re-publish"

step "a registry refusing the CNAB config media type: the OCI config form"
proxy_rules pd '[{"action": "reject_manifest", "when": "cnab_config"}]'
assert_exit 0 "$P" "${OPTS[@]}" -a "$TEST_DIR/clean.tgz" --tag "$PD/ociconf/app:1"
proxy_rules pd '[]'
cm=$(sk_inspect --raw "docker://$D/ociconf/app:1" | jq -r '.manifests[0].digest')
assert_eq "$(curl -s -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
	"http://$D/v2/ociconf/app/manifests/$cm" | jq -r .config.mediaType)" \
	application/vnd.oci.image.config.v1+json
assert_exit 0 "$A" "${OPTS[@]}" -r "$D/ociconf/app:1" "$TEST_DIR/ociconf.tgz"
cmp "$TEST_DIR/clean.tgz" "$TEST_DIR/ociconf.tgz"
OCICONF=$(sk_inspect --raw "docker://$D/ociconf/app:1" | sha256_of -)
proxy_mark pd
assert_exit 0 "$P" "${OPTS[@]}" -a "$TEST_DIR/clean.tgz" --tag "$PD/ociconf/app:1" -o json
assert_eq "$(jq -r .digest <<<"$OUT")" "$OCICONF"
assert_eq "$(proxy_count pd 'PUT|POST|PATCH|DELETE' .)" 0 "writes on a re-publish"

step "a blob redirected to another host gets no Authorization"
reg_start basic-http auth
proxy_start pa auth
proxy_start rec auth --record --upstream-user "$REG_USER:$REG_PASS"
fixture_image auth app/secret 1 --layers 2 --size 64K >/dev/null
proxy_rules pa "[{\"action\": \"redirect_blob_get\", \"to\": \"$(_rv rec URL)\"}]"
jq -n --arg h "$(_rv pa HOST)" '{schemaVersion: "v1.2.0", name: "r", version: "1",
	invocationImages: [{imageType: "docker", image: ($h + "/app/secret:1")}]}' \
	>"$TEST_DIR/redir.json"
# shellcheck disable=SC2046
assert_exit 0 "$A" -v -v $(cnab_opts auth pa) -f "$TEST_DIR/redir.json" "$TEST_DIR/redir.tgz"
proxy_mark rec
n=$(proxy_count pa GET '/blobs/sha256' 307)
[ "$n" -gt 0 ] || fail "no blob GET was redirected"
assert_eq "$(jq -s '[.[] | select(.event == "request")] | length' "$(_rv rec LOG)")" "$n" \
	"requests the recorder saw"
assert_eq "$(jq -s '[.[] | select(.authorization_present == true)] | length' "$(_rv rec LOG)")" 0 \
	"Authorization headers the other host received"
# and the origin did get credentials
[ "$(proxy_requests pa 'select(.authorization != null) | .path' | wc -l)" -gt 0 ] ||
	fail "no Authorization was sent to the registry itself"

step "no credential or token in any output, even at -v -v"
reg_start token tok
fixture_image tok app/t 1 --layers 1 --size 8K >/dev/null
jq -n --arg h "$(_rv tok HOST)" '{schemaVersion: "v1.2.0", name: "t", version: "1",
	invocationImages: [{imageType: "docker", image: ($h + "/app/t:1")}]}' \
	>"$TEST_DIR/tok.json"
# shellcheck disable=SC2046
assert_exit 0 "$A" -v -v $(cnab_opts tok) -f "$TEST_DIR/tok.json" "$TEST_DIR/tok.tgz"
all="$OUT$ERR"
# shellcheck disable=SC2046
assert_exit 0 "$P" -v -v $(cnab_opts tok) -a "$TEST_DIR/tok.tgz" --tag "$(_rv tok HOST)/p/t:1"
all="$all$OUT$ERR"
jq -n --arg h "$(_rv tok HOST)" '{auths: {($h): {auth: ("testuser:sesame-wrong" | @base64)}}}' \
	>"$TEST_DIR/wrong.json"
assert_exit 1 "$I" -v -v --cert-dir "$(_rv tok CERTDIR)" --authfile "$TEST_DIR/wrong.json" \
	-r "$(_rv tok HOST)/p/t:1"
all="$all$OUT$ERR"
for secret in "$REG_PASS" "$(printf '%s:%s' "$REG_USER" "$REG_PASS" | base64)" eyJ sesame; do
	assert_not_contains "$all" "$secret" "a secret in the output"
done
assert_contains "$all" "GET https://$(_rv tok HOST)/v2/"

echo ok
