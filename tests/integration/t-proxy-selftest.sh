#!/bin/bash
# t-proxy-selftest.sh: proves tests/integration/fault-proxy.py (the
# fault-injecting reverse proxy and the header recorder) against a real
# docker-registry, with curl and skopeo: every fault, Location rewriting,
# keep-alive, auth pass-through, and streaming of a 200 MB image in little
# memory.
set -eu
. "$(dirname "$0")/lib.sh"

# (proxy_start, proxy_rules, proxy_count... come from lib.sh)

# ---------------------------------------------------------------------------
# Local helpers
# ---------------------------------------------------------------------------

# hdr FILE NAME: a header's value from a curl -D dump (the last response).
hdr() {
	tr -d '\r' <"$1" | sed -n "s/^$2: //Ip" | tail -n 1
}

# vm_kb PID FIELD: a /proc/PID/status field (VmHWM, VmRSS) in kB.
vm_kb() {
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

C=(curl -sS --noproxy '*' --max-time 60)

MT_OCI=application/vnd.oci.image.manifest.v1+json
MT_INDEX=application/vnd.oci.image.index.v1+json

# ---------------------------------------------------------------------------

step "registry, proxy and recorder"
reg_start plain u
proxy_start px u
proxy_start rec u --record
fixture_image u app/web v1 --format oci --layers 1 --size 1M >/dev/null
raw=$(sk_inspect --raw "$(reg_ref u app/web:v1)")
layer=$(jq -r '.layers[0].digest' <<<"$raw")
lsize=$(jq -r '.layers[0].size' <<<"$raw")
BLOB=/v2/app/web/blobs/$layer
BLOB_FILE=$FIXTURE_LAYOUT/blobs/sha256/${layer#sha256:}
note "blob $layer, $lsize bytes"

step "plain forwarding, keep-alive: 50 requests on one connection"
args=()
for ((i = 0; i < 50; i++)); do
	args+=(-o /dev/null "$px_URL/v2/")
done
codes=$("${C[@]}" -w '%{http_code}\n' "${args[@]}")
assert_eq "$(sort -u <<<"$codes")" 200 "all /v2/ through the proxy"
assert_eq "$(proxy_requests px .conn | sort -u | wc -l)" 1 "one client connection"
assert_eq "$(proxy_count px GET '^/v2/$' 200)" 50 "logged requests"
proxy_requests px | head -n 1 | jq -e '.action == "forward" and .rule == null and
	.upstream_status == 200 and .resp_bytes == 2 and .req_bytes == 0' >/dev/null ||
	fail "log line: $(proxy_requests px | head -n 1)"
"${C[@]}" -o "$TEST_DIR/blob" "$px_URL$BLOB"
assert_eq "$(sha256_of "$TEST_DIR/blob")" "$layer" "blob through the proxy"

step "status 503 with prob 0.1 (seeded), 50 requests"
proxy_mark px
reg_mark u
proxy_rules px '[{"action": "status", "status": 503, "prob": 0.1, "path": "^/v2/$"}]'
codes=$("${C[@]}" -w '%{http_code}\n' "${args[@]}")
n503=$(grep -c '^503$' <<<"$codes" || true)
n200=$(grep -c '^200$' <<<"$codes" || true)
note "503: $n503 of 50"
assert_eq "$((n503 + n200))" 50 "only 200 and 503"
[ "$n503" -ge 1 ] && [ "$n503" -le 12 ] || fail "$n503 of 50 answers were 503, expected about 5"
assert_eq "$(proxy_count px GET '^/v2/$' 503)" "$n503" "503s in the log"
assert_eq "$(proxy_requests px 'select(.status == 503) | .upstream_status' | sort -u)" null \
	"a 503 never reached the upstream"
assert_eq "$(proxy_requests px .conn | sort -u | wc -l)" 1 "a 503 keeps the connection"
assert_eq "$(count_requests u GET '^/v2/$')" "$n200" "requests the registry saw"

step "status with n: the first 2 matching requests only"
proxy_rules px '[{"action": "status", "status": 500, "n": 2, "path": "^/v2/$"},
	{"action": "status", "status": 502, "method": "HEAD"}]'
codes=$("${C[@]}" -w '%{http_code} ' -o /dev/null "$px_URL/v2/" -o /dev/null "$px_URL/v2/" \
	-o /dev/null "$px_URL/v2/" -o /dev/null "$px_URL/v2/")
assert_eq "$codes" "500 500 200 200 " "n=2"
assert_eq "$("${C[@]}" -I -o /dev/null -w '%{http_code}' "$px_URL$BLOB")" 502 "HEAD rule"

step "429 with Retry-After: seconds and HTTP date"
proxy_rules px '[{"action": "status", "status": 429, "retry_after": "1", "n": 1},
	{"action": "status", "status": 429, "retry_after": "+30", "n": 1}]'
body=$("${C[@]}" -D "$TEST_DIR/h" "$px_URL$BLOB")
assert_match "$(head -n 1 "$TEST_DIR/h")" '^HTTP/1.1 429 ' "status"
assert_eq "$(hdr "$TEST_DIR/h" Retry-After)" 1 "Retry-After seconds"
assert_eq "$(jq -r '.errors[0].code' <<<"$body")" TOOMANYREQUESTS "error body"
"${C[@]}" -o /dev/null -D "$TEST_DIR/h" "$px_URL$BLOB"
ra=$(hdr "$TEST_DIR/h" Retry-After)
assert_match "$ra" '^[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} GMT$' "Retry-After date"
delta=$(($(date -d "$ra" +%s) - $(date +%s)))
[ "$delta" -ge 25 ] && [ "$delta" -le 31 ] || fail "Retry-After $ra is ${delta}s away"
"${C[@]}" -o "$TEST_DIR/blob" "$px_URL$BLOB"
assert_eq "$(sha256_of "$TEST_DIR/blob")" "$layer" "rules spent: the blob again"

step "cut_response: part of the body, then the connection closes"
proxy_mark px
proxy_rules px '[{"action": "cut_response", "after": 100000, "n": 1}]'
assert_exit 18 "${C[@]}" -o "$TEST_DIR/blob" "$px_URL$BLOB"
assert_eq "$(stat -c %s "$TEST_DIR/blob")" 100000 "bytes received"
"${C[@]}" -o "$TEST_DIR/blob" "$px_URL$BLOB"
assert_eq "$(sha256_of "$TEST_DIR/blob")" "$layer" "the next GET is whole"
proxy_requests px | head -n 1 | jq -e '.action == "cut_response" and .status == 200 and
	.resp_bytes == 100000' >/dev/null || fail "log: $(proxy_requests px | head -n 1)"

step "truncate and alter"
proxy_rules px '[{"action": "truncate", "n": 1}, {"action": "alter", "offset": 1000, "n": 1},
	{"action": "alter", "offset": -1, "xor": 255, "n": 1}]'
assert_exit 18 "${C[@]}" -o "$TEST_DIR/blob" "$px_URL$BLOB"
assert_eq "$(stat -c %s "$TEST_DIR/blob")" "$((lsize - 1))" "truncated by one byte"
assert_exit 0 "${C[@]}" -o "$TEST_DIR/blob" "$px_URL$BLOB"
assert_eq "$(stat -c %s "$TEST_DIR/blob")" "$lsize" "altered: same size"
assert_ne "$(sha256_of "$TEST_DIR/blob")" "$layer" "altered: digest differs"
assert_eq "$(cmp -l "$TEST_DIR/blob" "$BLOB_FILE" | awk '{print $1}')" 1001 "byte 1000 flipped"
"${C[@]}" -o "$TEST_DIR/blob" "$px_URL$BLOB"
assert_eq "$(cmp -l "$TEST_DIR/blob" "$BLOB_FILE" | awk '{print $1}')" "$lsize" "last byte flipped"
# a response fault waits for a 2xx answer with a body: a 404 or a HEAD
# does not spend it
proxy_rules px '[{"action": "truncate", "n": 1}]'
assert_eq "$("${C[@]}" -o /dev/null -w '%{http_code}' "$px_URL/v2/app/web/blobs/sha256:$(printf '0%.0s' {1..64})")" 404 "404 passed"
assert_eq "$("${C[@]}" -I -o /dev/null -w '%{http_code}' "$px_URL$BLOB")" 200 "HEAD passed"
assert_exit 18 "${C[@]}" -o /dev/null "$px_URL$BLOB"

step "stall: the client gives up; a shorter one only delays"
proxy_mark px
proxy_rules px '[{"action": "stall", "seconds": 20, "n": 1}]'
assert_exit 28 "${C[@]}" --max-time 1 -o /dev/null "$px_URL$BLOB"
line=$(proxy_requests px | tail -n 1)
jq -e '.action == "stall" and .status == null and .ms < 10000 and
	(.error | test("client gave up"))' >/dev/null <<<"$line" || fail "stall log: $line"
proxy_rules px '[{"action": "stall", "seconds": 1.5, "n": 1}]'
t0=$(date +%s%N)
"${C[@]}" -o "$TEST_DIR/blob" "$px_URL$BLOB"
t1=$(date +%s%N)
assert_eq "$(sha256_of "$TEST_DIR/blob")" "$layer" "blob after a stall"
[ $(((t1 - t0) / 1000000)) -ge 1400 ] || fail "the stall lasted $(((t1 - t0) / 1000000))ms"
# a stall in the middle of the body: a low-speed limit trips
# (curl averages the speed over a few seconds: a small burst first)
proxy_rules px '[{"action": "stall", "seconds": 10, "after": 3000, "n": 1}]'
assert_exit 28 "${C[@]}" --speed-limit 10000 --speed-time 1 -o "$TEST_DIR/blob" "$px_URL$BLOB"
assert_eq "$(stat -c %s "$TEST_DIR/blob")" 3000 "bytes before the stall"
# then: close
proxy_rules px '[{"action": "stall", "seconds": 0.5, "then": "close", "n": 1}]'
assert_exit 52 "${C[@]}" -o /dev/null "$px_URL$BLOB"

step "reject_manifest: a CNAB config manifest gets 400, a normal one goes through"
printf '{"name":"itest","version":"1.0.0","schemaVersion":"v1.2.0"}' >"$TEST_DIR/bundle.json"
cfg=$(sha256_of "$TEST_DIR/bundle.json")
csize=$(stat -c %s "$TEST_DIR/bundle.json")
"${C[@]}" -X POST -o /dev/null -D "$TEST_DIR/h" "$px_URL/v2/app/cnab/blobs/uploads/"
code=$("${C[@]}" -o /dev/null -w '%{http_code}' -X PUT --data-binary @"$TEST_DIR/bundle.json" \
	-H 'Content-Type: application/octet-stream' "$(hdr "$TEST_DIR/h" Location)&digest=$cfg")
assert_eq "$code" 201 "config upload"
cnab_m=$(jq -cn --arg d "$cfg" --argjson s "$csize" \
	'{schemaVersion: 2, config: {mediaType: "application/vnd.cnab.config.v1+json", digest: $d, size: $s}, layers: null}')
oci_m=$(jq -cn --arg d "$cfg" --argjson s "$csize" \
	'{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
	  config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $d, size: $s}, layers: []}')
put_manifest() { # REF CONTENT_TYPE BODY -> "STATUS BODY"
	"${C[@]}" -X PUT -H "Content-Type: $2" --data-binary "$3" -w ' %{http_code}' \
		"$px_URL/v2/app/cnab/manifests/$1" || true
}
proxy_mark px
proxy_rules px '[{"action": "reject_manifest", "when": "cnab_config"},
	{"action": "reject_manifest", "when": "oci_index"}]'
out=$(put_manifest v1-cnab "$MT_OCI" "$cnab_m")
assert_match "$out" ' 400$' "CNAB config manifest rejected"
assert_eq "$(jq -r '.errors[0].code' <<<"${out% *}")" MANIFEST_INVALID "error code"
assert_eq "$(jq -r '.errors[0].message' <<<"${out% *}")" "manifest invalid" "error message"
out=$(put_manifest v1-oci "$MT_OCI" "$oci_m")
assert_match "$out" ' 201$' "OCI manifest accepted"
oci_d=$(printf '%s' "$oci_m" | sha256_of)
idx=$(jq -cn --arg d "$oci_d" --argjson s "${#oci_m}" \
	'{schemaVersion: 2, manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $d, size: $s}]}')
out=$(put_manifest v1 "$MT_INDEX" "$idx")
assert_match "$out" ' 400$' "index rejected"
assert_eq "$(proxy_requests px '[.rule, .status, .upstream_status] | tostring' | tr '\n' ' ')" \
	'[0,400,null] [null,201,201] [1,400,null] ' "log of the three PUTs"
proxy_rules px '[]'
assert_match "$(put_manifest v1-cnab "$MT_OCI" "$cnab_m")" ' 201$' "the registry takes the CNAB manifest"
assert_match "$(put_manifest v1 "$MT_INDEX" "$idx")" ' 201$' "the registry takes the index"
assert_eq "$(reg_curl u -o /dev/null -w '%{http_code}' -H "Accept: $MT_INDEX" /v2/app/cnab/manifests/v1)" 200 "index in the registry"

step "redirect_blob_get to the recorder: Authorization is not carried over"
proxy_mark px
proxy_rules px "[{\"action\": \"redirect_blob_get\", \"to\": \"$rec_URL\"}]"
"${C[@]}" -L -H 'Authorization: Bearer s3cr3t-t0ken' -D "$TEST_DIR/h" \
	-o "$TEST_DIR/blob" "$px_URL$BLOB"
assert_eq "$(sha256_of "$TEST_DIR/blob")" "$layer" "blob via the redirect"
assert_match "$(tr -d '\r' <"$TEST_DIR/h" | grep '^HTTP/')" '^HTTP/1.1 307 .*
HTTP/1.1 200 ' "307 then 200"
assert_eq "$(tr -d '\r' <"$TEST_DIR/h" | sed -n 's/^Location: //Ip')" "$rec_URL$BLOB?signed=x" "Location"
rl=$(proxy_requests rec)
assert_eq "$(wc -l <<<"$rl")" 1 "one request at the recorder"
jq -e --arg p "$BLOB" '.method == "GET" and .path == $p and .query == "signed=x" and
	.authorization_present == false and (.header_names | index("authorization") | not) and
	.status == 200' >/dev/null <<<"$rl" || fail "recorder log: $rl"
proxy_requests px | jq -e '.status == 307 and .upstream_status == 200 and
	.authorization == "<redacted>"' >/dev/null || fail "proxy log: $(proxy_requests px)"
# --location-trusted does send it: the recorder sees it (value redacted)
proxy_mark rec
"${C[@]}" --location-trusted -H 'Authorization: Bearer s3cr3t-t0ken' -o /dev/null "$px_URL$BLOB"
rl=$(proxy_requests rec)
jq -e '.authorization_present == true and
	([.headers[] | select(.[0] == "Authorization") | .[1]] == ["<redacted>"])' >/dev/null <<<"$rl" ||
	fail "recorder log: $rl"
if grep -rq s3cr3t "$px_LOG" "$rec_LOG"; then fail "a credential in a proxy log"; fi
# a missing blob is not redirected
proxy_mark px
assert_eq "$("${C[@]}" -L -o /dev/null -w '%{http_code}' "$px_URL/v2/app/web/blobs/sha256:$(printf '1%.0s' {1..64})")" 404 "404 passed on"
assert_eq "$(proxy_requests px '.note')" 'redirect not applied: upstream status 404' "note"
proxy_rules px '[]'

step "Location rewriting on a blob upload"
head -c 5000 /dev/urandom >"$TEST_DIR/up.bin"
upd=$(sha256_of "$TEST_DIR/up.bin")
"${C[@]}" -X POST -o /dev/null -D "$TEST_DIR/h" "$px_URL/v2/app/up/blobs/uploads/"
assert_match "$(head -n 1 "$TEST_DIR/h")" '^HTTP/1.1 202 ' "POST upload"
loc=$(hdr "$TEST_DIR/h" Location)
assert_match "$loc" "^http://127\.0\.0\.1:$px_PORT/v2/app/up/blobs/uploads/[0-9a-f-]+\?_state=" "Location at the proxy"
head -c 3000 "$TEST_DIR/up.bin" >"$TEST_DIR/up.1"
tail -c 2000 "$TEST_DIR/up.bin" >"$TEST_DIR/up.2"
"${C[@]}" -X PATCH -H 'Content-Type: application/octet-stream' --data-binary @"$TEST_DIR/up.1" \
	-o /dev/null -D "$TEST_DIR/h" "$loc"
assert_eq "$(hdr "$TEST_DIR/h" Range)" 0-2999 "PATCH Range"
loc=$(hdr "$TEST_DIR/h" Location)
assert_match "$loc" "^http://127\.0\.0\.1:$px_PORT/" "PATCH Location at the proxy"
"${C[@]}" -X PUT -H 'Content-Type: application/octet-stream' --data-binary @"$TEST_DIR/up.2" \
	-o /dev/null -D "$TEST_DIR/h" "$loc&digest=$upd"
assert_match "$(head -n 1 "$TEST_DIR/h")" '^HTTP/1.1 201 ' "PUT upload"
assert_eq "$(hdr "$TEST_DIR/h" Location)" "$px_URL/v2/app/up/blobs/$upd" "blob Location at the proxy"
assert_eq "$("${C[@]}" "$px_URL/v2/app/up/blobs/$upd" | sha256_of)" "$upd" "uploaded blob"

step "cut_request: an upload session that received part of a PATCH"
head -c 100000 /dev/urandom >"$TEST_DIR/cut.bin"
cutd=$(sha256_of "$TEST_DIR/cut.bin")
start_upload() {
	"${C[@]}" -X POST -o /dev/null -D "$TEST_DIR/h" "$px_URL/v2/app/cut/blobs/uploads/"
	hdr "$TEST_DIR/h" Location
}
patch_cut() { # LOCATION: a PATCH of cut.bin that the rule cuts
	assert_exit '!0' "${C[@]}" -X PATCH -H 'Content-Type: application/octet-stream' \
		--data-binary @"$TEST_DIR/cut.bin" -o /dev/null "$1"
	note "curl: exit $RC, $(tail -n 1 "$TEST_DIR/run.err")"
	case $RC in 52 | 55 | 56) ;; *) fail "curl exit $RC: not a dropped connection" ;; esac
}
proxy_mark px
loc=$(start_upload)
proxy_rules px '[{"action": "cut_request", "method": "PATCH", "after": 40000, "forward_part": true, "n": 1}]'
patch_cut "$loc"
line=$(proxy_requests px 'select(.method == "PATCH")')
jq -e '.status == null and .req_bytes == 40000 and .action == "cut_request"' >/dev/null <<<"$line" ||
	fail "cut_request log: $line"
# Distribution 2.8 keeps the 40000 bytes, but the client's Location still
# says offset 0: the session is dead ("upload resumed at wrong offset")
for ((i = 0; i < 20; i++)); do
	out=$("${C[@]}" -w ' %{http_code}' "$loc" | tr -d '\n')
	case $out in *' 404') break ;; esac
	sleep 0.1 # the registry may not have seen the end of the PATCH yet
done
assert_match "$out" '"code":"BLOB_UPLOAD_INVALID".* 404$' "the session after a partial PATCH"
assert_contains "$(cat "$u_LOG")" "upload resumed at wrong offest: 40000 != 0" "registry log"
# without forward_part the registry saw no byte: the session goes on
loc=$(start_upload)
proxy_rules px '[{"action": "cut_request", "method": "PATCH", "after": 40000, "n": 1}]'
patch_cut "$loc"
"${C[@]}" -o /dev/null -D "$TEST_DIR/h" "$loc"
assert_eq "$(hdr "$TEST_DIR/h" Range)" 0-0 "nothing reached the registry"
"${C[@]}" -X PATCH -H 'Content-Type: application/octet-stream' --data-binary @"$TEST_DIR/cut.bin" \
	-o /dev/null -D "$TEST_DIR/h" "$loc"
assert_eq "$(hdr "$TEST_DIR/h" Range)" 0-99999 "PATCH again"
code=$("${C[@]}" -X PUT -o /dev/null -w '%{http_code}' "$(hdr "$TEST_DIR/h" Location)&digest=$cutd")
assert_eq "$code" 201 "upload completed"
# the whole request forwarded, the answer lost: the manifest is there
proxy_rules px '[{"action": "cut_request", "method": "PUT", "after": 100000000, "forward_part": true, "n": 1}]'
assert_exit 52 "${C[@]}" -X PUT -H "Content-Type: $MT_OCI" --data-binary "$oci_m" \
	"$px_URL/v2/app/cnab/manifests/lost"
assert_eq "$(proxy_requests px 'select(.method == "PUT") | .upstream_status' | tail -n 1)" 201 "upstream answered"
assert_eq "$(reg_curl u -o /dev/null -w '%{http_code}' -I -H "Accept: $MT_OCI" /v2/app/cnab/manifests/lost)" 200 "lost answer, manifest stored"
proxy_rules px '[]'

step "concurrency: 16 clients at once"
pids=()
for ((i = 0; i < 16; i++)); do
	"${C[@]}" -o "$TEST_DIR/par.$i" "$px_URL$BLOB" -o /dev/null "$px_URL/v2/" &
	pids+=($!)
done
for p in "${pids[@]}"; do
	wait "$p" || fail "a parallel curl failed"
done
for ((i = 0; i < 16; i++)); do
	assert_eq "$(sha256_of "$TEST_DIR/par.$i")" "$layer" "parallel download $i"
done

step "auth passes through: token and basic registries behind proxies (HTTPS upstream)"
reg_start token t
proxy_start pt t
proxy_start rect t --record --upstream-user "$REG_USER:$REG_PASS"
proxy_mark pt
d=$(fixture_image pt app/tok v1 --layers 2 --size 64K)
assert_eq "$(sk_inspect --raw "$(reg_ref t app/tok:v1)" | sha256_of)" "$d" "pushed through the proxy"
assert_eq "$(sk_inspect "$(reg_ref pt app/tok:v1)" | jq -r .Digest)" "$d" "inspect through the proxy"
wa=$(proxy_requests pt 'select(.status == 401) | .path' | head -n 1)
[ -n "$wa" ] || fail "no 401 went through the proxy"
"${C[@]}" -o /dev/null -D "$TEST_DIR/h" "$pt_URL/v2/"
assert_eq "$(hdr "$TEST_DIR/h" Www-Authenticate)" \
	"Bearer realm=\"$t_REALM\",service=\"$t_SERVICE\"" "WWW-Authenticate untouched"
tl=$(jq -r '.layers[0].digest' <<<"$(sk_inspect --raw "$(reg_ref t app/tok:v1)")")
tok=$(reg_token t repository:app/tok:pull)
proxy_rules pt "[{\"action\": \"redirect_blob_get\", \"to\": \"$rect_URL\"}]"
"${C[@]}" -L -H "Authorization: Bearer $tok" -o "$TEST_DIR/blob" "$pt_URL/v2/app/tok/blobs/$tl"
assert_eq "$(sha256_of "$TEST_DIR/blob")" "$tl" "redirected blob of a token registry"
proxy_requests rect | jq -e '.authorization_present == false and .status == 200 and
	.upstream_status == 200' >/dev/null || fail "recorder: $(proxy_requests rect)"
if grep -qF "$tok" "$pt_LOG" "$rect_LOG"; then fail "a token in a proxy log"; fi
reg_start basic b
proxy_start pb b
assert_eq "$("${C[@]}" -o /dev/null -w '%{http_code}' "$pb_URL/v2/")" 401 "basic: no credentials"
assert_eq "$("${C[@]}" -o /dev/null -w '%{http_code}' -u "$REG_USER:$REG_PASS" "$pb_URL/v2/")" 200 "basic: credentials"
assert_match "$(cnab_opts pb)" "^--insecure-registry $pb_HOST --authfile " "cnab_opts for a proxy"

step "streaming: a 200 MB image through the proxy, pushed and pulled by skopeo"
proxy_mark px
fixture_image - big v1 --format oci --size 200M >/dev/null
big_layout=$FIXTURE_LAYOUT
t0=$(date +%s)
sk_copy --dest-tls-verify=false "oci:$big_layout:big:v1" "docker://$px_HOST/app/big:v1" \
	>"$TEST_DIR/sk.out" 2>&1 || { tail -n 20 "$TEST_DIR/sk.out" >&2; fail "skopeo push through the proxy"; }
t1=$(date +%s)
bigl=$(jq -r '.layers[0].digest' <<<"$(sk_inspect --raw "$(reg_ref u app/big:v1)")")
bigs=$(jq -r '.layers[0].size' <<<"$(sk_inspect --raw "$(reg_ref u app/big:v1)")")
[ "$bigs" -gt 200000000 ] || fail "the big layer has $bigs bytes"
up_bytes=$(proxy_requests px 'select(.method == "PATCH" or .method == "PUT") | .req_bytes' |
	awk '{ s += $1 } END { print s }')
[ "$up_bytes" -ge "$bigs" ] || fail "the proxy forwarded $up_bytes bytes of a $bigs-byte layer"
rm -rf "$TEST_DIR/pulled"
sk_copy --src-tls-verify=false "docker://$px_HOST/app/big:v1" "dir:$TEST_DIR/pulled" \
	>"$TEST_DIR/sk.out" 2>&1 || { tail -n 20 "$TEST_DIR/sk.out" >&2; fail "skopeo pull through the proxy"; }
t2=$(date +%s)
assert_eq "$(sha256_of "$TEST_DIR/pulled/${bigl#sha256:}")" "$bigl" "pulled layer"
rm -rf "$TEST_DIR/pulled"
# curl: a Content-Length upload and a download of the same blob
"${C[@]}" -X POST -o /dev/null -D "$TEST_DIR/h" "$px_URL/v2/app/mono/blobs/uploads/"
loc=$(hdr "$TEST_DIR/h" Location)
code=$("${C[@]}" --max-time 120 -X PUT -H 'Content-Type: application/octet-stream' \
	-T "$big_layout/blobs/sha256/${bigl#sha256:}" -o /dev/null -w '%{http_code}' "$loc&digest=$bigl")
assert_eq "$code" 201 "monolithic 200 MB PUT"
assert_eq "$("${C[@]}" --max-time 120 "$px_URL/v2/app/mono/blobs/$bigl" | sha256_of)" "$bigl" "200 MB GET"
hwm=$(vm_kb "$px_PID" VmHWM)
note "push ${bigs} bytes: $((t1 - t0))s, pull: $((t2 - t1))s; proxy VmHWM ${hwm} kB"
[ "$hwm" -lt 102400 ] || fail "the proxy's peak RSS is ${hwm} kB"
# a chunked request body: PATCH with Transfer-Encoding: chunked
"${C[@]}" -X POST -o /dev/null -D "$TEST_DIR/h" "$px_URL/v2/app/chunked/blobs/uploads/"
"${C[@]}" --max-time 120 -X PATCH -H 'Content-Type: application/octet-stream' \
	-H 'Transfer-Encoding: chunked' -T "$big_layout/blobs/sha256/${bigl#sha256:}" \
	-o /dev/null -D "$TEST_DIR/h" "$(hdr "$TEST_DIR/h" Location)"
assert_eq "$(hdr "$TEST_DIR/h" Range)" "0-$((bigs - 1))" "chunked PATCH"
code=$("${C[@]}" -X PUT -o /dev/null -w '%{http_code}' "$(hdr "$TEST_DIR/h" Location)&digest=$bigl")
assert_eq "$code" 201 "chunked upload completed"
assert_eq "$(proxy_requests px 'select(.method == "PATCH" and .req_bytes == '"$bigs"') | .req_chunked' |
	sort | tr "\\n" " ")" "null true " "skopeo's PATCH with Content-Length, curl's chunked"
hwm=$(vm_kb "$px_PID" VmHWM)
[ "$hwm" -lt 102400 ] || fail "the proxy's peak RSS is ${hwm} kB"

step "HTTP/1.0 client; the registry down behind the proxy: 502"
"${C[@]}" --http1.0 -o "$TEST_DIR/blob" "$px_URL$BLOB"
assert_eq "$(sha256_of "$TEST_DIR/blob")" "$layer" "HTTP/1.0 GET"
reg_down u
out=$("${C[@]}" -w ' %{http_code}' "$px_URL/v2/" | tr -d '\n')
assert_match "$out" '"code":"UNAVAILABLE".* 502$' "upstream down"
reg_up u
assert_eq "$("${C[@]}" -o /dev/null -w '%{http_code}' "$px_URL/v2/")" 200 "upstream back"

step "a bad rule is refused; the proxy goes on"
if (proxy_rules px '[{"action": "nonsense"}]') 2>"$TEST_DIR/err"; then
	fail "a bad rule was accepted"
fi
rm -f "$TEST_DIR/.failed"
assert_contains "$(cat "$TEST_DIR/err")" "unknown action" "error message"
assert_eq "$("${C[@]}" -o /dev/null -w '%{http_code}' "$px_URL/v2/")" 200 "still forwarding"
pid=$px_PID
proxy_stop px
if _proc_alive "$pid"; then fail "proxy still running"; fi
note "done"
