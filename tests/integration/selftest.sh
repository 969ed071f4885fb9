#!/bin/bash
# selftest.sh: proves the integration harness itself (lib.sh and
# token-issuer.py) against the real docker-registry, skopeo and curl.
set -eu
. "$(dirname "$0")/lib.sh"

MT_DOCKER=application/vnd.docker.distribution.manifest.v2+json
MT_LIST=application/vnd.docker.distribution.manifest.list.v2+json
MT_OCI=application/vnd.oci.image.manifest.v1+json
MT_INDEX=application/vnd.oci.image.index.v1+json
ACCEPT="Accept: $MT_DOCKER, $MT_LIST, $MT_OCI, $MT_INDEX"

# http_code NAME [reg_curl options] PATH: the status only.
http_code() {
	local name=$1
	shift
	reg_curl "$name" -o /dev/null -w '%{http_code}' "$@" || true
}

# header NAME HEADER [reg_curl options] PATH: one response header's value.
header() {
	local name=$1 h=$2
	shift 2
	reg_curl "$name" -o /dev/null -D - "$@" |
		tr -d '\r' | sed -n "s/^$h: //Ip" | head -n 1
}

step "start every mode at once"
reg_start plain p
reg_start basic b
reg_start token t
reg_start token tro --pull-only --user noscope:nopass: --user pusher:pushpass:pull,push
reg_start tls m --mtls --own-ca
reg_start basic-http bh
for r in p b t tro m bh; do
	pid=${r}_PID
	_proc_alive "${!pid}" || fail "registry $r is not running"
done
assert_eq "$(reg_curl p -o /dev/null -w '%{http_code}' /v2/)" 200 "plain /v2/"
assert_eq "$(jq -r '.auths | keys | length' "$AUTHFILE_ALL")" 12 "AUTHFILE_ALL"
assert_eq "$(jq -r --arg h "$b_HOST" '.auths[$h].auth' "$b_AUTHFILE" | base64 -d)" \
	testuser:testpass "authfile credentials"

step "fixtures: Docker, OCI and two-platform images in plain, basic, token"
for r in p b t; do
	# Docker schema 2, two incompressible 64 KiB layers
	d=$(fixture_image "$r" app/docker v1 --layers 2 --size 64K)
	assert_match "$d" '^sha256:[0-9a-f]{64}$' "digest printed"
	raw=$(sk_inspect --raw "$(reg_ref "$r" app/docker:v1)")
	assert_eq "$(printf '%s' "$raw" | sha256_of)" "$d" "$r: pushed digest"
	assert_eq "$(jq -r .mediaType <<<"$raw")" "$MT_DOCKER" "$r: docker media type"
	assert_eq "$(jq -r '.layers | length' <<<"$raw")" 2 "$r: layers"
	assert_eq "$(jq -r '.config.mediaType' <<<"$raw")" \
		application/vnd.docker.container.image.v1+json "$r: config type"
	for s in $(jq -r '.layers[].size' <<<"$raw"); do
		[ "$s" -gt 65536 ] || fail "$r: layer of $s bytes, data compressed?"
	done
	info=$(sk_inspect "$(reg_ref "$r" app/docker:v1)")
	assert_eq "$(jq -r .Digest <<<"$info")" "$d" "$r: inspect digest"
	assert_eq "$(jq -r .Architecture <<<"$info")/$(jq -r .Os <<<"$info")" \
		amd64/linux "$r: platform"

	# OCI, pushed unchanged: the digest is the layout's
	fixture_image "$r" app/oci v1 --format oci --layers 3 >/dev/null
	d=$FIXTURE_DIGEST
	ld=$(jq -r '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "app/oci:v1") | .digest' \
		"$FIXTURE_LAYOUT/index.json")
	assert_eq "$d" "$ld" "$r: OCI manifest pushed byte for byte"
	assert_eq "$FIXTURE_REF" "$(eval echo "\$${r}_HOST")/app/oci@$d" "FIXTURE_REF"
	raw=$(sk_inspect --raw "$(reg_ref "$r" "app/oci@$d")")
	assert_eq "$(jq -r .mediaType <<<"$raw")" "$MT_OCI" "$r: OCI media type"
	assert_eq "$(jq -r '.layers | length' <<<"$raw")" 3 "$r: OCI layers"

	# two-platform OCI index
	fixture_index "$r" app/multi v1 >/dev/null
	d=$FIXTURE_DIGEST
	raw=$(sk_inspect --raw "$(reg_ref "$r" app/multi:v1)")
	assert_eq "$(printf '%s' "$raw" | sha256_of)" "$d" "$r: index digest"
	assert_eq "$(jq -r .mediaType <<<"$raw")" "$MT_INDEX" "$r: index media type"
	assert_eq "$(jq -r '[.manifests[].platform.architecture] | join(",")' <<<"$raw")" \
		amd64,arm64 "$r: platforms"
	assert_eq "$(jq -r '[.manifests[].digest] | join(" ")' <<<"$raw")" \
		"$FIXTURE_PLATFORM_DIGESTS" "$r: platform digests"
	info=$(sk --override-arch arm64 inspect $(skopeo_opts "$r") "$(reg_ref "$r" app/multi:v1)")
	assert_eq "$(jq -r .Architecture <<<"$info")" arm64 "$r: arm64 image"
done

# skopeo turns the OCI index into a Docker manifest list with --format v2s2
d=$(fixture_index p app/list v1 --format v2s2)
raw=$(sk_inspect --raw "$(reg_ref p app/list:v1)")
assert_eq "$(printf '%s' "$raw" | sha256_of)" "$d" "manifest list digest"
assert_eq "$(jq -r .mediaType <<<"$raw")" "$MT_LIST" "manifest list media type"

# a layout-only fixture, then sk_copy between two TLS registries with
# different auth (token -> basic): both sides' options are filled in
d=$(fixture_image - local/only v1 --layout "$TEST_DIR/layout")
assert_file "$TEST_DIR/layout/blobs/sha256/${d#sha256:}" "layout-only fixture"
df=$TEST_DIR/copy.digest
sk_copy -q --all --preserve-digests --digestfile "$df" \
	"$(reg_ref t app/multi:v1)" "$(reg_ref b copied/multi:v1)"
assert_eq "$(cat "$df")" "$(sk_inspect --raw "$(reg_ref t app/multi:v1)" | sha256_of)" \
	"copy token -> basic keeps the digest"

# localhost:PORT works as well (the certificates name both)
assert_eq "$(sk_inspect --raw "docker://localhost:$b_PORT/app/docker:v1" | sha256_of)" \
	"$(sk_inspect --raw "$(reg_ref b app/docker:v1)" | sha256_of)" "localhost:PORT"
assert_eq "$(skopeo_opts p src)" "--src-tls-verify=false --src-authfile $p_AUTHFILE" "skopeo_opts plain"
assert_eq "$(skopeo_opts b)" "--cert-dir $b_CERTDIR --authfile $b_AUTHFILE" "skopeo_opts basic"
assert_eq "$(cnab_opts p)" "--insecure-registry $p_HOST --authfile $p_AUTHFILE" "cnab_opts plain"
assert_eq "$(cnab_opts t)" "--cert-dir $t_CERTDIR --authfile $t_AUTHFILE" "cnab_opts token"
assert_eq "$(cnab_opts p t m)" \
	"--insecure-registry $p_HOST --cert-dir $TEST_DIR/certs-t-m --authfile $AUTHFILE_ALL" \
	"cnab_opts for several"
assert_eq "$(ls "$TEST_DIR/certs-t-m")" "$(printf 'm.crt\nt.crt')" "combined cert dir"

step "basic auth (TLS and plain HTTP)"
assert_eq "$(http_code b --noauth /v2/)" 401 "basic: anonymous /v2/"
assert_eq "$(header b WWW-Authenticate --noauth /v2/)" 'Basic realm="basic-realm"' \
	"basic: challenge"
assert_eq "$(http_code b /v2/)" 200 "basic: with credentials"
assert_eq "$(http_code b --user testuser:wrong /v2/)" 401 "basic: wrong password"
assert_eq "$(http_code b --noauth /v2/app/docker/manifests/v1)" 401 "basic: anonymous manifest"
d=$(sk_inspect --raw "$(reg_ref b app/docker:v1)" | sha256_of)
assert_eq "$(header b Docker-Content-Digest -H "$ACCEPT" /v2/app/docker/manifests/v1)" "$d" \
	"basic: manifest digest over curl"
# curl --cacert with the wrong CA (m's own) must fail: TLS is verified
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$m_CA" "$b_URL/v2/" || true)
assert_eq "$code" 000 "basic: TLS verified against the right CA"
assert_eq "$(http_code bh --noauth /v2/)" 401 "basic-http: anonymous"
assert_eq "$(http_code bh /v2/)" 200 "basic-http: credentials over HTTP"
assert_contains "$(header bh WWW-Authenticate --noauth /v2/)" 'Basic realm=' "basic-http challenge"

step "token auth"
assert_eq "$(http_code t --noauth /v2/)" 401 "token: no credentials /v2/"
assert_eq "$(http_code t --anon /v2/)" 200 "token: anonymous token /v2/"
assert_eq "$(header t WWW-Authenticate --noauth /v2/)" \
	"Bearer realm=\"$t_REALM\",service=\"$t_SERVICE\"" "token: /v2/ challenge"
ch=$(curl -sS -o /dev/null -D - --cacert "$t_CA" "$t_URL/v2/app/docker/manifests/v1" |
	tr -d '\r' | sed -n 's/^www-authenticate: //Ip')
assert_eq "$ch" \
	"Bearer realm=\"$t_REALM\",service=\"$t_SERVICE\",scope=\"repository:app/docker:pull\"" \
	"token: manifest challenge"

tok=$(reg_token t repository:app/docker:pull)
hdr=$(jwt_part "$tok" 1)
claims=$(jwt_part "$tok" 2)
assert_eq "$(jq -r .alg <<<"$hdr")" RS256 "JWT alg"
assert_eq "$(jq -r '.x5c[0]' <<<"$hdr")" \
	"$(openssl x509 -in "$t_DIR/token.crt" -outform DER | base64 -w0)" "JWT x5c"
assert_eq "$(jq -c '[.iss, .sub, .aud]' <<<"$claims")" \
	"[\"cnab-test-issuer\",\"testuser\",\"$t_SERVICE\"]" "JWT iss/sub/aud"
assert_eq "$(jq -c .access <<<"$claims")" \
	'[{"type":"repository","name":"app/docker","actions":["pull"]}]' "JWT access"
assert_eq "$(jq -r '(.exp - .iat) == 300 and .nbf <= .iat and (.jti | length) > 0' <<<"$claims")" \
	true "JWT times"
code=$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$t_CA" -H "$ACCEPT" \
	-H "Authorization: Bearer $tok" "$t_URL/v2/app/docker/manifests/v1")
assert_eq "$code" 200 "token: pull with a token"
# the pull token does not allow a push
ch=$(curl -sS -o /dev/null -D - -X POST --cacert "$t_CA" -H "Authorization: Bearer $tok" \
	"$t_URL/v2/app/docker/blobs/uploads/" | tr -d '\r')
assert_match "$ch" "^HTTP/[0-9.]+ 401" "token: push with a pull token"
assert_contains "$ch" 'error="insufficient_scope"' "token: insufficient scope"
# a token for another repository does not open this one
assert_eq "$(http_code t --scope repository:other:pull -H "$ACCEPT" /v2/app/docker/manifests/v1)" \
	401 "token: token for another repository"
# anonymous: a token, but no access
tok=$(reg_token t --anon repository:app/docker:pull)
assert_eq "$(jwt_part "$tok" 2 | jq -c '[.sub, .access[0].actions]')" '["",[]]' "anonymous token"
assert_eq "$(http_code t --anon -H "$ACCEPT" /v2/app/docker/manifests/v1)" 401 "token: anonymous pull"
# wrong password: the issuer says 401
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$t_CA" -u testuser:nope \
	"$t_REALM?service=$t_SERVICE&scope=repository:app/docker:pull")
assert_eq "$code" 401 "issuer: wrong password"
# testuser pushes through reg_curl (scope derived from the path)
assert_eq "$(http_code t -X POST /v2/app/docker/blobs/uploads/)" 202 "token: push allowed"
# pulluser: pull only
assert_eq "$(http_code t --user pulluser:pullpass -H "$ACCEPT" /v2/app/docker/manifests/v1)" \
	200 "token: pulluser pulls"
assert_eq "$(http_code t --user pulluser:pullpass -X POST /v2/app/docker/blobs/uploads/)" \
	401 "token: pulluser cannot push"
assert_exit '!0' sk_copy --dest-authfile "$t_PULL_AUTHFILE" \
	"$(reg_ref p app/docker:v1)" "$(reg_ref t pushed/by-pulluser:v1)"
# several scopes in one request, merged per repository
tok=$(reg_token t repository:a:pull repository:a:push repository:b:pull registry:catalog:*)
assert_eq "$(jwt_part "$tok" 2 | jq -c .access)" \
	'[{"type":"repository","name":"a","actions":["pull","push"]},{"type":"repository","name":"b","actions":["pull"]},{"type":"registry","name":"catalog","actions":["*"]}]' \
	"several scopes"

# OAuth2 POST: password grant, then refresh grant
out=$(curl -sS --fail --cacert "$t_CA" --data-urlencode grant_type=password \
	--data-urlencode username=testuser --data-urlencode password=testpass \
	--data-urlencode "service=$t_SERVICE" --data-urlencode client_id=selftest \
	--data-urlencode "scope=repository:app/docker:pull" "$t_REALM")
rt=$(jq -r .refresh_token <<<"$out")
assert_ne "$rt" null "POST password grant: refresh token"
assert_eq "$(jq -r '.access_token == .token and .expires_in == 300' <<<"$out")" true "POST fields"
out=$(curl -sS --fail --cacert "$t_CA" --data-urlencode grant_type=refresh_token \
	--data-urlencode "refresh_token=$rt" --data-urlencode "service=$t_SERVICE" \
	--data-urlencode "scope=repository:app/docker:pull" "$t_REALM")
code=$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$t_CA" -H "$ACCEPT" \
	-H "Authorization: Bearer $(jq -r .access_token <<<"$out")" "$t_URL/v2/app/docker/manifests/v1")
assert_eq "$code" 200 "POST refresh grant: token works"
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$t_CA" -d grant_type=refresh_token \
	-d refresh_token=bogus -d "service=$t_SERVICE" "$t_REALM")
assert_eq "$code" 401 "POST: unknown refresh token"
# skopeo with an identitytoken (the seeded refresh token) in its authfile
jq -n --arg h "$t_HOST" --arg it "$t_IDENTITY_TOKEN" \
	'{auths: {($h): {auth: ("<token>:" | @base64), identitytoken: $it}}}' >"$TEST_DIR/idtoken.json"
info=$(sk inspect --cert-dir "$t_CERTDIR" --authfile "$TEST_DIR/idtoken.json" \
	"$(reg_ref t app/docker:v1)")
assert_eq "$(jq -r .Architecture <<<"$info")" amd64 "skopeo with an identitytoken"
assert_match "$(tail -n 3 "$t_ISSUER_LOG")" 'POST /token grant=refresh_token 200 user=testuser' \
	"identitytoken used the refresh grant"
assert_not_contains "$(cat "$t_ISSUER_LOG")" testpass "issuer log has no password"
assert_not_contains "$(cat "$t_ISSUER_LOG")" "$t_IDENTITY_TOKEN" "issuer log has no refresh token"
[ "$(count_token_requests t 'grant=basic 200 user=testuser')" -gt 0 ] ||
	fail "count_token_requests"

# --user with an empty ACTIONS: tokens with no access
tok=$(reg_token tro --user noscope:nopass repository:app/docker:pull)
assert_eq "$(jwt_part "$tok" 2 | jq -c '[.sub, .access[0].actions]')" '["noscope",[]]' "--user N:P: grants nothing"
# --pull-only caps even a user allowed to push
tok=$(reg_token tro --user pusher:pushpass repository:app/docker:pull,push)
assert_eq "$(jwt_part "$tok" 2 | jq -c '.access[0].actions')" '["pull"]' "--pull-only caps --user"
# assert_exit in $(...) passes the output on
out=$(assert_exit 1 sk_inspect --raw "$(reg_ref p no/such:v1)" 2>&1)
assert_contains "$out" "manifest unknown" "assert_exit output in a subshell"
# --pull-only issuer: nobody pushes
assert_exit '!0' sk_copy "$(reg_ref p app/docker:v1)" "$(reg_ref tro app/docker:v1)"
assert_contains "$(cat "$tro_ISSUER_LOG")" "granted=repository:app/docker:pull " "pull-only grant"

step "mTLS registry with its own CA"
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$m_CA" "$m_URL/v2/" || true)
assert_eq "$code" 000 "mtls: no client certificate"
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$TEST_CA" \
	--cert "$m_CERTDIR/client.cert" --key "$m_CERTDIR/client.key" "$m_URL/v2/" || true)
assert_eq "$code" 000 "mtls: the test CA does not sign m's certificate"
assert_eq "$(http_code m /v2/)" 200 "mtls: with the client certificate"
sk_copy -q "$(reg_ref p app/docker:v1)" "$(reg_ref m app/docker:v1)"
assert_eq "$(sk_inspect --raw "$(reg_ref m app/docker:v1)" | sha256_of)" \
	"$(sk_inspect --raw "$(reg_ref p app/docker:v1)" | sha256_of)" "mtls: copy"

step "access log counts"
reg_mark p
sk_inspect --raw "$(reg_ref p app/docker:v1)" >/dev/null
assert_eq "$(count_requests p GET '^/v2/app/docker/manifests/v1$')" 1 "one manifest GET"
assert_eq "$(count_requests p GET '^/v2/$' 200)" 1 "one ping"
assert_eq "$(count_requests p GET '^/v2/$' 404)" 0 "status filter"
assert_eq "$(count_requests p '*' '')" 2 "two requests in all"
reg_mark p
fixture_image p count/img v1 --layers 3 >/dev/null
assert_eq "$(count_requests p PUT '^/v2/count/img/manifests/v1$' 201)" 1 "one manifest PUT"
assert_eq "$(count_requests p POST '^/v2/count/img/blobs/uploads/$' 202)" 4 "4 uploads (3 layers, config)"
assert_eq "$(count_requests p 'PUT' '/v2/count/img/blobs/uploads/.*digest=sha256' 201)" 4 "4 upload ends"
reg_mark t
reg_curl t -o /dev/null /v2/app/docker/tags/list
assert_eq "$(count_requests t 'GET|HEAD' '^/v2/app/docker/tags/list$' 200)" 1 "token registry log"

step "restart: same port, same storage, uploads resume"
d=$(sk_inspect --raw "$(reg_ref b app/docker:v1)" | sha256_of)
old_pid=$b_PID old_host=$b_HOST
reg_restart b
assert_ne "$b_PID" "$old_pid" "new pid"
_proc_alive "$old_pid" && fail "old registry still running"
assert_eq "$b_HOST" "$old_host" "same port"
assert_eq "$(sk_inspect --raw "$(reg_ref b app/docker:v1)" | sha256_of)" "$d" "storage kept"

# an upload started before a crash (SIGKILL) goes on after the restart
loc=$(reg_curl p -X POST -o /dev/null -D - /v2/resume/blobs/uploads/ | tr -d '\r' |
	sed -n 's/^location: //Ip')
assert_contains "$loc" /v2/resume/blobs/uploads/ "upload location"
head -c 1000 /dev/urandom >"$TEST_DIR/part1"
head -c 500 /dev/urandom >"$TEST_DIR/part2"
loc=$(reg_curl p -X PATCH --data-binary "@$TEST_DIR/part1" \
	-H 'Content-Type: application/octet-stream' -o /dev/null -D - "${loc#"$p_URL"}" |
	tr -d '\r' | sed -n 's/^location: //Ip')
old_pid=$p_PID
reg_restart p --kill
_proc_alive "$old_pid" && fail "killed registry still running"
range=$(reg_curl p -o /dev/null -D - "${loc#"$p_URL"}" | tr -d '\r' | sed -n 's/^range: //Ip')
assert_eq "$range" 0-999 "upload state survived the crash"
loc=$(reg_curl p -X PATCH --data-binary "@$TEST_DIR/part2" \
	-H 'Content-Type: application/octet-stream' -o /dev/null -D - "${loc#"$p_URL"}" |
	tr -d '\r' | sed -n 's/^location: //Ip')
d=$(cat "$TEST_DIR/part1" "$TEST_DIR/part2" | sha256_of)
case $loc in *\?*) sep='&' ;; *) sep='?' ;; esac
assert_eq "$(http_code p -X PUT "${loc#"$p_URL"}${sep}digest=$d")" 201 "upload completed"
assert_eq "$(http_code p -I "/v2/resume/blobs/$d")" 200 "blob there"

# a throttling proxy: a download cut by a crash, then served again
fixture_image p slow/img v1 --size 512K >/dev/null
blob=$(sk_inspect --raw "$(reg_ref p slow/img:v1)" | jq -r '.layers[0].digest')
reg_proxy p --rate-down 262144
assert_eq "$(sk_inspect --raw "docker://$p_PROXY_HOST/slow/img:v1" | sha256_of)" "$FIXTURE_DIGEST" \
	"inspect through the proxy"
t0=$(date +%s%N)
curl -sS -o "$TEST_DIR/cut.blob" "http://$p_PROXY_HOST/v2/slow/img/blobs/$blob" 2>"$TEST_DIR/cut.err" &
cpid=$!
sleep 0.7
reg_down p --kill
rc=0
wait "$cpid" || rc=$?
assert_ne "$rc" 0 "download cut by the crash"
size=$(stat -c %s "$TEST_DIR/cut.blob")
[ "$size" -gt 0 ] && [ "$size" -lt 524288 ] || fail "partial download: $size bytes"
reg_up p
assert_eq "$(sk_inspect --raw "docker://$p_PROXY_HOST/slow/img:v1" | sha256_of)" "$FIXTURE_DIGEST" \
	"proxy works after the restart"
curl -sS -o "$TEST_DIR/full.blob" "http://$p_PROXY_HOST/v2/slow/img/blobs/$blob"
assert_eq "$(sha256_of "$TEST_DIR/full.blob")" "$blob" "full download"
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$ms" -ge 2000 ] || fail "512 KiB at 256 KiB/s took only ${ms}ms"
assert_contains "$(cnab_opts p)" "--insecure-registry $p_PROXY_HOST" "cnab_opts knows the proxy"
reg_proxy b
assert_eq "$(sk_inspect --raw "docker://$b_PROXY_HOST/app/docker:v1" | sha256_of)" \
	"$(sk_inspect --raw "$(reg_ref b app/docker:v1)" | sha256_of)" "TLS + auth through a proxy"

# a latency proxy (--delay-ms 100, each way): a round trip costs 2 delays
# (with --connect-rtt, a new connection one more, as a TCP handshake does),
# and the delay is pipelined, not paid per chunk: 10 MB each way in little
# more than that
reg_start plain w
reg_start plain w2
fixture_image w wan/img v1 --format oci --size 10M >/dev/null
blob=$(sk_inspect --raw "$(reg_ref w wan/img:v1)" | jq -r '.layers[0].digest')
reg_proxy w --delay-ms 100
reg_proxy w2 --delay-ms 100 --connect-rtt
assert_contains "$(cat "$w_PROXY_LOG")" "delay 100 ms (pid" "the proxy's delay"
assert_contains "$(cat "$w2_PROXY_LOG")" "delay 100 ms, connect 1 round trip" \
	"the proxy's delay, connecting too"
# ms CURL_TIME...: seconds (curl -w) to whole milliseconds
ms() { awk '{ for (i = 1; i <= NF; i++) printf "%d ", $i * 1000; print "" }'; }
# within NAME VALUE LOW HIGH
within() {
	[ "$2" -ge "$3" ] && [ "$2" -lt "$4" ] ||
		fail "$1: ${2}ms, expected ${3}ms to ${4}ms"
}
read -r t1 t2 < <(curl -sS --max-time 30 -w '%{time_total} ' -o /dev/null \
	"http://$w_PROXY_HOST/v2/" -o /dev/null "http://$w_PROXY_HOST/v2/" | ms)
note "GET /v2/ through the proxy: new connection ${t1}ms, kept ${t2}ms"
within "a request on a new connection" "$t1" 200 500
within "a round trip on a kept connection" "$t2" 200 500
assert_eq "$(grep -c ': open$' "$w_PROXY_LOG")" 1 "one connection kept alive"
read -r t1 t2 < <(curl -sS --max-time 30 -w '%{time_total} ' -o /dev/null \
	"http://$w2_PROXY_HOST/v2/" -o /dev/null "http://$w2_PROXY_HOST/v2/" | ms)
note "the same with --connect-rtt: new connection ${t1}ms, kept ${t2}ms"
within "a request on a new connection, --connect-rtt" "$t1" 400 800
within "a round trip on a kept connection, --connect-rtt" "$t2" 200 500
bsize=$(stat -c %s "$FIXTURE_LAYOUT/blobs/sha256/${blob#sha256:}")
[ "$bsize" -gt 10000000 ] || fail "the blob has $bsize bytes"
read -r t < <(curl -sS --max-time 30 -w '%{time_total}' -o "$TEST_DIR/wan.blob" \
	"http://$w_PROXY_HOST/v2/wan/img/blobs/$blob" | ms)
assert_eq "$(sha256_of "$TEST_DIR/wan.blob")" "$blob" "10 MB down through the delay"
note "10 MB down: ${t}ms"
within "10 MB down on a new connection" "$t" 200 2200
loc=$(curl -sS --max-time 30 -X POST -D - -o /dev/null \
	"http://$w_PROXY_HOST/v2/wan/up/blobs/uploads/" | tr -d '\r' | sed -n 's/^location: //Ip')
assert_match "$loc" "^http://$w_PROXY_HOST/" "the upload URL names the proxy"
read -r t < <(curl -sS -f --max-time 30 -w '%{time_total}' -o /dev/null -X PUT \
	-H 'Content-Type: application/octet-stream' --data-binary @"$TEST_DIR/wan.blob" \
	"$loc&digest=$blob" | ms)
note "10 MB up: ${t}ms"
within "10 MB up on a new connection" "$t" 200 2200
assert_eq "$(http_code w -I "/v2/wan/up/blobs/$blob")" 200 "the upload landed"
reg_stop w
reg_stop w2

reg_restart t
assert_eq "$(sk_inspect "$(reg_ref t app/docker:v1)" | jq -r .Architecture)" amd64 \
	"token registry restarted (issuer kept)"

# a paused registry accepts connections but never answers
reg_pause bh
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$bh_URL/v2/" || true)
assert_eq "$code" 000 "paused registry does not answer"
reg_resume bh
assert_eq "$(http_code bh /v2/)" 200 "resumed"

step "the trap stops everything: failure, signal, success"
ntop=$TEST_DIR/nested
mkdir -p "$ntop"
cat >"$ntop/nested.tmpl" <<EOF
#!/bin/bash
set -eu
. "$ITEST_LIB_DIR/lib.sh"
reg_start token x
reg_start plain y
echo "\$x_PID \$x_ISSUER_PID \$y_PID" >"$ntop/\$TEST_NAME.pids"
: >"$ntop/\$TEST_NAME.ready"
case \${1:-} in
fail) fail "deliberate failure" ;;
subshell) v=\$(fail "deliberate failure in a subshell") || true; echo "still here" ;;
wait) sleep 120 & at_exit kill \$! ; wait \$! ;;
esac
EOF
# (wait, not sleep in the foreground: a signal that comes while bash forks
# the sleep would otherwise be handled only once the sleep ends)
nested_pids() { cat "$ntop/$1.pids"; }
check_stopped() {
	local pid
	for pid in $(nested_pids "$1"); do
		_proc_alive "$pid" && fail "$1: pid $pid left running"
	done
	return 0
}
for how in fail subshell ok; do
	cp "$ntop/nested.tmpl" "$ntop/n$how.sh"
	rc=0
	ITEST_TMP=$ntop/tmp bash "$ntop/n$how.sh" "$how" >"$ntop/n$how.out" 2>&1 || rc=$?
	check_stopped "n$how"
	if [ "$how" = ok ]; then
		assert_eq "$rc" 0 "nested success"
		[ -e "$ntop/tmp/n$how" ] && fail "test dir not removed on success"
	else
		assert_eq "$rc" 1 "nested $how"
		assert_contains "$(cat "$ntop/n$how.out")" "deliberate failure" "nested $how output"
		assert_contains "$(cat "$ntop/n$how.out")" "test directory kept: $ntop/tmp/n$how" \
			"kept dir printed"
		[ -d "$ntop/tmp/n$how/reg/x" ] || fail "test dir not kept on failure"
	fi
done
# signals: INT and TERM to the whole process group, as Ctrl-C and run.sh's
# timeout do (job control gives the script its own group, with SIGINT not
# ignored as it would be for a plain background job)
for sig in INT TERM; do
	cp "$ntop/nested.tmpl" "$ntop/n$sig.sh"
	set -m
	ITEST_TMP=$ntop/tmp bash "$ntop/n$sig.sh" wait >"$ntop/n$sig.out" 2>&1 </dev/null &
	spid=$!
	set +m
	for ((i = 0; i < ITEST_START_TIMEOUT * 30; i++)); do
		[ -e "$ntop/n$sig.ready" ] && break
		_proc_alive "$spid" || break
		sleep 0.1
	done
	[ -e "$ntop/n$sig.ready" ] || fail "nested $sig script did not start"
	kill "-$sig" -- "-$spid"
	for ((i = 0; i < 300; i++)); do
		_proc_alive "$spid" || break
		sleep 0.1
	done
	_proc_alive "$spid" && { kill -KILL -- "-$spid"; fail "SIG$sig did not end the script"; }
	rc=0
	wait "$spid" || rc=$?
	check_stopped "n$sig"
	case $sig in INT) want=130 ;; TERM) want=143 ;; esac
	assert_eq "$rc" "$want" "nested script exit on SIG$sig"
	assert_contains "$(cat "$ntop/n$sig.out")" "interrupted by SIG$sig" "SIG$sig message"
done

step "stop everything"
all_pids=
for r in p b t tro m bh; do
	for v in PID ISSUER_PID PROXY_PID; do
		x=${r}_$v
		all_pids="$all_pids ${!x:-}"
	done
done
reg_stop_all
running=" $(pgrep -d ' ' -x docker-registry || true) $(pgrep -d ' ' -f 'token-issuer.py|slowproxy.py' || true) "
for pid in $all_pids; do
	case $running in *" $pid "*) fail "pid $pid still running" ;; esac
	_proc_alive "$pid" && fail "pid $pid still running"
done
for pid in $(cat "$ntop"/*.pids); do
	case $running in *" $pid "*) fail "nested pid $pid still running" ;; esac
done
# nothing at all runs with a file of this test in its command line
for pid in $running; do
	if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$TEST_DIR/"; then
		fail "left running: pid $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline")"
	fi
done
note "selftest took $(($(date +%s) - _ITEST_T0))s"
