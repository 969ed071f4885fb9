#!/bin/bash
# cnab-publish-archive and reading bundles back (issue 4): the round trip,
# Porter v1 and cnab-go archives, tool chains, existing tags, damaged
# archives, wrong credentials, an interrupted publish.
set -eu
. "$(dirname "$0")/lib.sh"
require_tools cnab-archive cnab-inspect cnab-publish-archive
export CNAB_RETRY_BASE_MS=50
A=$CNAB_BIN/cnab-archive
I=$CNAB_BIN/cnab-inspect
P=$CNAB_BIN/cnab-publish-archive
RESTYLE="$ITEST_PYTHON $CNAB_TOP/tests/tools/restyle.py"

reg_start plain src
reg_start token dst
S=$(_rv src HOST)
D=$(_rv dst HOST)
# shellcheck disable=SC2207
OPTS=($(cnab_opts src dst))

# Checks of a publish read from the registry's access log alone (since the
# mark), so that they hold against a registry that checks nothing.  Each
# prints what is wrong, one line each, or nothing.
#
# tag_last NAME REPO TAG ROOT...: the tag's PUT is the last write request
# (only the tag again may follow: a fallback form), and each ROOT, a
# manifest the bundle's index names, was PUT by digest before it.
tag_last() {
	local name=$1 repo=$2 tag=$3
	shift 3
	reg_requests "$name" | awk -v m="/v2/$repo/manifests/" -v tag="$tag" \
		-v roots="$*" '
		BEGIN { n = split(roots, root, " ") }
		$1 !~ /^(PUT|POST|PATCH|DELETE)$/ { next }
		$1 == "PUT" && $2 == m tag { tagged = 1; next }
		tagged { print "a write after the tag: " $0 }
		$1 == "PUT" && index($2, m) == 1 && $3 ~ /^2/ {
			put[substr($2, length(m) + 1)] = 1
		}
		END {
			if (!tagged)
				print "no PUT of the tag"
			for (i = 1; i <= n; i++)
				if (!(root[i] in put))
					print "manifest " root[i] " not PUT before the tag"
		}'
}
# uploads_follow_heads NAME REPO: each blob of REPO the registry said it
# lacked was then uploaded (on a session opened by a POST, then the PUT
# ?digest= that ends the upload), and none it said it had was; then
# "404:N 200:N uploads:N".  The registry is asked with a HEAD (200 or
# 404), or (the upload pool's workers) with a POST mounting the blob from
# REPO itself: 201 (counted as 200) it has it, 202 (counted as 404) it has
# not, and the session opened takes the upload.
uploads_follow_heads() {
	reg_requests "$1" | awk -v b="/v2/$2/blobs/" '
		function ask(d, status) {
			head[d] = status
			n[status]++
		}
		$1 == "HEAD" && index($2, b) == 1 {
			ask(substr($2, length(b) + 1), $3)
		}
		$1 == "POST" && index($2, b "uploads/") == 1 &&
			match($2, /[?&]mount=[^&]+/) {
			d = substr($2, RSTART + 7, RLENGTH - 7)
			gsub(/%3[Aa]/, ":", d)
			ask(d, $3 == 201 ? 200 : $3 == 202 ? 404 : $3)
		}
		$1 == "POST" && index($2, b "uploads/") == 1 && $3 == 202 {
			open++
		}
		$1 == "PUT" && index($2, b "uploads/") == 1 &&
			match($2, /[?&]digest=[^&]+/) {
			d = substr($2, RSTART + 8, RLENGTH - 8)
			gsub(/%3[Aa]/, ":", d)
			if (open-- <= 0)
				print "an upload ended that no POST began: " $0
			if (head[d] != 404)
				print "blob " d " uploaded, the registry said " \
					(d in head ? head[d] : "nothing")
			up[d] = 1
			nup++
		}
		END {
			for (d in head)
				if (head[d] == 404 && !(d in up))
					print "blob " d ": lacking, never uploaded"
			printf "404:%d 200:%d uploads:%d\n", n[404], n[200], nup
		}'
}

# one_at_a_time NAME REPO: each blob upload of REPO (its HEAD 404, POST and
# PUT ?digest=) ran alone: no other blob request came between them.
one_at_a_time() {
	reg_requests "$1" | awk -v b="/v2/$2/blobs/" '
		index($2, b) != 1 { next }
		$1 == "HEAD" && $3 == 404 {
			if (cur != "")
				print "HEAD of " $2 " while " cur " was uploading"
			cur = substr($2, length(b) + 1)
			next
		}
		$1 == "POST" && cur != "" { next }
		$1 == "PUT" && cur != "" && index($2, cur) == 0 &&
			index($2, substr(cur, 1, 6) "%3A" substr(cur, 8)) == 0 {
			print "PUT " $2 " while " cur " was uploading"
		}
		$1 == "PUT" { cur = ""; next }
		cur != "" { print $1 " " $2 " while " cur " was uploading" }'
}

step "an archive of images in the source registry"
fixture_image src app/installer v1 --layers 2 --size 64K >/dev/null
INV=$FIXTURE_DIGEST
fixture_image src app/web 2.0 --format oci --layers 3 --size 32K >/dev/null
WEB=$FIXTURE_DIGEST
fixture_index src app/multi 1.0 --size 8K >/dev/null
MULTI=$FIXTURE_DIGEST
jq -n --arg h "$S" '{schemaVersion: "v1.2.0", name: "itest",
	version: "1.0.0", description: "integration <bundle> & co",
	keywords: ["a", "b"],
	maintainers: [{name: "Jane", email: "jane@example.com"}],
	invocationImages: [{imageType: "docker",
		image: ($h + "/app/installer:v1")}],
	images: {web: {imageType: "oci", image: ($h + "/app/web:2.0")},
		multi: {imageType: "oci", image: ($h + "/app/multi:1.0")}}}' \
	>"$TEST_DIR/bundle.json"
assert_exit 0 "$A" "${OPTS[@]}" -f "$TEST_DIR/bundle.json" "$TEST_DIR/a.tgz"

step "publish: the seed's line, images by digest in the tag's repository"
reg_mark dst
run "$P" "${OPTS[@]}" -a "$TEST_DIR/a.tgz" --tag "$D/acme/app:1.0" \
	--relocation-mapping "$TEST_DIR/map.json"
# the order of the writes, from the log, before the registry's verdict
reg_requests dst >"$TEST_DIR/publish.log"
ups=$(uploads_follow_heads dst acme/app)
assert_eq "$(sed '$d' <<<"$ups")" "" "uploads after a HEAD 404, none after a 200"
note "first publish: $(tail -n 1 <<<"$ups")"
assert_match "$(tail -n 1 <<<"$ups")" '^404:([1-9][0-9]*) 200:0 uploads:\1$'
assert_eq "$(tag_last dst acme/app 1.0 "$INV" "$WEB" "$MULTI")" "" \
	"the tag written last, after the manifests it names"
assert_eq "$RC" 0 "exit code of the publish: $ERR"
assert_match "$OUT" "^Bundle tag $D/acme/app:1.0 pushed successfully, with digest \"sha256:[0-9a-f]{64}\"$"
DIGEST=$(sed 's/.*"\(sha256:[0-9a-f]*\)".*/\1/' <<<"$OUT")
# manifests go by the manifest API only: no blob HEAD for them
for d in "$INV" "$WEB" "$MULTI"; do
	assert_eq "$(count_requests dst HEAD "/blobs/$d\$")" 0 "blob HEADs of manifest $d"
done
assert_eq "$(jq -r --arg k "$S/app/web:2.0" '.[$k]' "$TEST_DIR/map.json")" \
	"$D/acme/app@$WEB"
for d in "$INV" "$WEB" "$MULTI"; do
	got=$(sk_inspect --raw "docker://$D/acme/app@$d" | sha256sum | cut -d' ' -f1)
	assert_eq "sha256:$got" "$d" "skopeo reads the published image"
done
sk_copy --all "docker://$D/acme/app@$MULTI" "docker://$S/copied/multi:1"
sk_copy "docker://$D/acme/app@$WEB" "docker://$S/copied/web:1"
assert_eq "sha256:$(sk_inspect --raw "docker://$S/copied/multi:1" |
	sha256sum | cut -d' ' -f1)" "$MULTI"
# the index is what cnab-to-oci writes: annotations, no top mediaType
idx=$(sk_inspect --raw "docker://$D/acme/app:1.0")
assert_eq "sha256:$(printf '%s' "$idx" | sha256sum | cut -d' ' -f1)" "$DIGEST"
assert_eq "$(jq -r '.mediaType // "none"' <<<"$idx")" none
assert_eq "$(jq -r '.annotations["org.opencontainers.artifactType"]' <<<"$idx")" \
	application/vnd.cnab.manifest.v1
assert_eq "$(jq -r '.annotations["io.cnab.keywords"]' <<<"$idx")" '["a","b"]'
assert_eq "$(jq -r '[.manifests[].annotations["io.cnab.manifest.type"]] | join(",")' <<<"$idx")" \
	config,invocation,component,component
assert_eq "$(jq -r '[.manifests[].annotations["io.cnab.component.name"] // empty] | join(",")' <<<"$idx")" \
	multi,web
assert_contains "$idx" '\u003cbundle\u003e \u0026 co'

step "inspect -r by tag and by digest: relocated and original images"
for ref in "$D/acme/app:1.0" "$D/acme/app@$DIGEST"; do
	assert_exit 0 "$I" "${OPTS[@]}" -r "$ref"
	assert_contains "$OUT" "$D/acme/app@$WEB"
	assert_contains "$OUT" "$S/app/web:2.0"
	assert_exit 0 "$I" "${OPTS[@]}" -o json -r "$ref"
	assert_eq "$(jq -r '.images[] | select(.name == "web") | .image' <<<"$OUT")" \
		"$D/acme/app@$WEB"
	assert_eq "$(jq -r '.invocationImages[0].originalImage' <<<"$OUT")" \
		"$S/app/installer:v1"
done
assert_exit 0 "$I" "${OPTS[@]}" --verify -q -r "$D/acme/app:1.0"
assert_exit 0 "$I" "${OPTS[@]}" --raw -r "$D/acme/app:1.0"
assert_eq "$OUT" "$("$I" --raw -a "$TEST_DIR/a.tgz")" "bundle.json published byte for byte"

step "an ordinary image is not a bundle: exit 4, said clearly"
assert_exit 4 "$I" "${OPTS[@]}" -r "$D/acme/app@$WEB"
assert_contains "$ERR" "is an image, not a CNAB bundle"
assert_exit 4 "$I" "${OPTS[@]}" -r "$D/acme/app:nope"

step "round trip: archive -r of the published bundle is the same archive"
assert_exit 0 "$A" "${OPTS[@]}" -r "$D/acme/app:1.0" "$TEST_DIR/b.tgz"
cmp "$TEST_DIR/a.tgz" "$TEST_DIR/b.tgz" ||
	fail "archive -r differs from the archive that was published"
# it took every image from the bundle's own repository
reg_mark src
assert_exit 0 "$A" "${OPTS[@]}" -r "$D/acme/app@$DIGEST" "$TEST_DIR/c.tgz"
assert_eq "$(count_requests src GET '/v2/app/')" 0 "requests to the original registry"
cmp "$TEST_DIR/a.tgz" "$TEST_DIR/c.tgz"

step "publishing again uploads no blob bytes"
reg_mark dst
assert_exit 0 "$P" "${OPTS[@]}" -a "$TEST_DIR/a.tgz" --tag "$D/acme/app:1.0"
assert_eq "$(count_requests dst POST '/blobs/uploads/')" 0 "uploads started"
assert_eq "$(count_requests dst PATCH '.')" 0 "chunks sent"
assert_eq "$(count_requests dst PUT '.')" 0 "objects written"

step "--jobs: small blobs uploaded concurrently; the same bundle as one at a time"
fixture_image src app/many v1 --format oci --layers 12 --size 16K >/dev/null
jq -n --arg h "$S" '{schemaVersion: "v1.2.0", name: "many", version: "1",
	invocationImages: [{imageType: "docker", image: ($h + "/app/many:v1")}]}' \
	>"$TEST_DIR/many.json"
assert_exit 0 "$A" "${OPTS[@]}" -f "$TEST_DIR/many.json" "$TEST_DIR/many.tgz"
declare -A MANY=()
for j in 1 4 default; do
	jobs=(--jobs "$j")
	[ "$j" = default ] && jobs=()
	reg_mark dst
	run "$P" -v "${OPTS[@]}" "${jobs[@]}" -a "$TEST_DIR/many.tgz" \
		--tag "$D/jobs$j/app:1" -o json
	assert_eq "$RC" 0 "exit code of the publish at --jobs $j: $ERR"
	MANY[$j]=$(jq -r .digest <<<"$OUT")
	ups=$(uploads_follow_heads dst "jobs$j/app")
	assert_eq "$(sed '$d' <<<"$ups")" "" "uploads after a HEAD 404 at --jobs $j"
	# 12 layers, the image's config and bundle.json (pushed with the
	# bundle's objects, so not in the count of blobs)
	assert_eq "$(tail -n 1 <<<"$ups")" "404:14 200:0 uploads:14" "--jobs $j"
	assert_eq "$(tag_last dst "jobs$j/app" 1)" "" "the tag last at --jobs $j"
	assert_contains "$ERR" "13 blobs uploaded, 0 already there"
	[ "$j" = 1 ] && assert_eq "$(one_at_a_time dst jobs1/app)" "" \
		"--jobs 1: one request at a time"
done
assert_eq "${MANY[4]}" "${MANY[1]}" "the same digest at --jobs 1 and 4"
assert_eq "${MANY[default]}" "${MANY[1]}" "the same digest at the default --jobs"
# every blob there already: counted, none sent
reg_mark dst
assert_exit 0 "$P" -v "${OPTS[@]}" --jobs 4 -a "$TEST_DIR/many.tgz" --tag "$D/jobs4/app:2"
assert_contains "$ERR" "0 blobs uploaded, 13 already there"
# each asked by one POST mounting it from the repository itself: 201
# (bundle.json too, with the bundle, as the tag is new)
assert_eq "$(count_requests dst POST '/blobs/uploads/\?mount=.*from=jobs4%2Fapp' 201)" 14 \
	"mounts from the repository itself answered 201"
assert_eq "$(count_requests dst POST '/blobs/uploads/' 202)" 0 "uploads started"
assert_eq "$(count_requests dst HEAD '/blobs/')" 0 "blob HEADs"
# a corrupt small layer at --jobs 4: exit 3, no tag
layer=$(sk_inspect --raw "docker://$S/app/many:v1" | jq -r '.layers[5].digest')
$RESTYLE "$TEST_DIR/many.tgz" "$TEST_DIR/many-bad.tgz" --corrupt "$layer"
assert_exit 3 "$P" "${OPTS[@]}" --jobs 4 -a "$TEST_DIR/many-bad.tgz" --tag "$D/jobsbad/app:1"
assert_contains "$ERR" "digest mismatch"
assert_exit 4 "$I" "${OPTS[@]}" -r "$D/jobsbad/app:1"
assert_exit 2 "$P" --jobs 0 -a "$TEST_DIR/many.tgz" --tag "$D/x/app:1"
assert_contains "$ERR" "invalid --jobs '0'"

step "--jobs: memory within the budget (8 MiB) over one at a time"
fixture_image src app/mem v1 --layers 3 --size 12M >/dev/null
jq -n --arg h "$S" '{schemaVersion: "v1.2.0", name: "mem", version: "1",
	invocationImages: [{imageType: "docker", image: ($h + "/app/mem:v1")}],
	images: {many: {imageType: "oci", image: ($h + "/app/many:v1")}}}' \
	>"$TEST_DIR/mem.json"
assert_exit 0 "$A" "${OPTS[@]}" -f "$TEST_DIR/mem.json" "$TEST_DIR/mem.tgz"
declare -A RSS=()
for j in 1 4; do
	assert_exit 0 /usr/bin/time -f 'rss %M' -o "$TEST_DIR/rss$j" \
		"$P" "${OPTS[@]}" --jobs "$j" -a "$TEST_DIR/mem.tgz" --tag "$D/mem$j/app:1"
	RSS[$j]=$(awk '/^rss/ { print $2 }' "$TEST_DIR/rss$j")
done
note "peak RSS: ${RSS[1]} KiB at --jobs 1, ${RSS[4]} KiB at --jobs 4"
# (sanitizers' shadow memory makes the bound moot)
if ! ldd "$P" | grep -Eq 'lib[at]san' && [ "${ITEST_VALGRIND:-}" != 1 ]; then
	[ "${RSS[4]}" -le $((RSS[1] + 8 * 1024)) ] ||
		fail "--jobs 4 took ${RSS[4]} KiB, over ${RSS[1]} KiB + 8 MiB"
fi

step "a tag holding another bundle is refused without --force"
jq '.version = "1.0.1"' "$TEST_DIR/bundle.json" >"$TEST_DIR/other.json"
assert_exit 0 "$A" "${OPTS[@]}" -f "$TEST_DIR/other.json" "$TEST_DIR/other.tgz"
assert_exit 1 "$P" "${OPTS[@]}" -a "$TEST_DIR/other.tgz" --tag "$D/acme/app:1.0"
assert_contains "$ERR" "holds a different bundle ($DIGEST): use --force to replace it"
assert_eq "$(sk_inspect --raw "docker://$D/acme/app:1.0" | sha256sum | cut -d' ' -f1)" \
	"${DIGEST#sha256:}" "the tag kept its bundle"
# the layers are there already (HEAD 200), bundle.json is new (HEAD 404)
reg_mark dst
run "$P" "${OPTS[@]}" --force -a "$TEST_DIR/other.tgz" --tag "$D/acme/app:1.0"
ups=$(uploads_follow_heads dst acme/app)
assert_eq "$(sed '$d' <<<"$ups")" "" "uploads after a HEAD 404, none after a 200"
note "publish of another bundle: $(tail -n 1 <<<"$ups")"
assert_match "$(tail -n 1 <<<"$ups")" '^404:1 200:[1-9][0-9]* uploads:1$'
assert_eq "$(tag_last dst acme/app 1.0)" "" "the tag written last"
assert_eq "$RC" 0 "exit code of the publish: $ERR"
assert_exit 0 "$P" "${OPTS[@]}" --force -a "$TEST_DIR/a.tgz" --tag "$D/acme/app:1.0"

step "--tag with a digest, or no tag, is a usage error"
assert_exit 2 "$P" -a "$TEST_DIR/a.tgz" --tag "$D/acme/app@$DIGEST"
assert_contains "$ERR" "not a digest"
assert_exit 2 "$P" -a "$TEST_DIR/a.tgz" --tag "$D/acme/app"

step "tool chain: archive -r | publish -a -, -o json | jq"
"$A" "${OPTS[@]}" -q -r "$D/acme/app:1.0" - |
	"$P" "${OPTS[@]}" -a - --tag "$D/chain/app:1.0" -o json >"$TEST_DIR/chain.json"
assert_eq "$(jq -r .digest "$TEST_DIR/chain.json")" "$DIGEST" "same bundle, same digest"
assert_eq "$(jq -r .reference "$TEST_DIR/chain.json")" "$D/chain/app:1.0"
assert_eq "$(jq -r --arg k "$S/app/web:2.0" '.relocationMapping[$k]' "$TEST_DIR/chain.json")" \
	"$D/chain/app@$WEB"

step "--dry-run verifies and plans, and writes nothing; --offline asks nothing"
reg_mark dst
assert_exit 0 "$P" "${OPTS[@]}" --dry-run -a "$TEST_DIR/a.tgz" --tag "$D/dry/app:1"
assert_contains "$OUT" "Dry run: nothing was written."
assert_contains "$OUT" "$DIGEST"
assert_contains "$OUT" "Tag $D/dry/app:1: absent"
assert_eq "$(count_requests dst 'POST|PATCH|PUT|DELETE' '.')" 0 "writes of a dry run"
reg_mark dst
assert_exit 0 "$P" "${OPTS[@]}" --dry-run --offline -a "$TEST_DIR/a.tgz" --tag "$D/dry/app:1"
assert_contains "$OUT" "$DIGEST"
assert_eq "$(count_requests dst '.' '.')" 0 "requests of an --offline dry run"

step "Porter v1 and cnab-go archives publish"
$RESTYLE "$TEST_DIR/a.tgz" "$TEST_DIR/porter.tgz" --style porter
$RESTYLE "$TEST_DIR/a.tgz" "$TEST_DIR/cnabgo.tgz" --style cnabgo
assert_exit 0 "$P" "${OPTS[@]}" -a "$TEST_DIR/porter.tgz" --tag "$D/porter/app:1" -o json
assert_eq "$(jq -r .digest <<<"$OUT")" "$DIGEST" "a Porter archive of the same bundle"
assert_exit 0 "$P" "${OPTS[@]}" -a "$TEST_DIR/cnabgo.tgz" --tag "$D/cnabgo/app:1" -o json
assert_contains "$ERR" "publishing it with them filled in"
assert_eq "$(jq -r .digest <<<"$OUT")" "$DIGEST" "a cnab-go archive of the same bundle"
assert_exit 0 "$I" "${OPTS[@]}" --verify -q -r "$D/porter/app:1"

step "damaged archives: exit 3, and no tag"
$RESTYLE "$TEST_DIR/a.tgz" "$TEST_DIR/corrupt.tgz" --corrupt "$WEB"
layer=$(sk_inspect --raw "docker://$S/app/installer:v1" | jq -r '.layers[1].digest')
$RESTYLE "$TEST_DIR/a.tgz" "$TEST_DIR/corrupt-layer.tgz" --corrupt "$layer"
$RESTYLE "$TEST_DIR/a.tgz" "$TEST_DIR/missing.tgz" --drop "$MULTI"
head -c $(($(stat -c %s "$TEST_DIR/a.tgz") * 2 / 3)) "$TEST_DIR/a.tgz" >"$TEST_DIR/truncated.tgz"
declare -A WHY=([corrupt]="digest mismatch" [corrupt-layer]="digest mismatch"
	[missing]="missing from archive" [truncated]="runcated")
for bad in corrupt corrupt-layer missing truncated; do
	assert_exit 3 "$P" "${OPTS[@]}" -a "$TEST_DIR/$bad.tgz" --tag "$D/bad/$bad:1"
	assert_contains "$ERR" "${WHY[$bad]}"
	assert_exit 4 "$I" "${OPTS[@]}" -r "$D/bad/$bad:1"
done
# into a tag holding another bundle, even with --force: it keeps it
assert_exit 0 "$P" "${OPTS[@]}" -a "$TEST_DIR/other.tgz" --tag "$D/acme/keep:1" -o json
OTHER=$(jq -r .digest <<<"$OUT")
for bad in corrupt-layer missing truncated; do
	assert_exit 3 "$P" "${OPTS[@]}" --force -a "$TEST_DIR/$bad.tgz" --tag "$D/acme/keep:1"
	assert_eq "$(sk_inspect --raw "docker://$D/acme/keep:1" | sha256_of -)" \
		"$OTHER" "the tag kept its bundle"
done
# a tag that holds this very bundle already is settled from bundle.json
# alone: nothing is read or written
reg_mark dst
assert_exit 0 "$P" "${OPTS[@]}" -a "$TEST_DIR/corrupt-layer.tgz" --tag "$D/acme/app:1.0"
assert_eq "$(count_requests dst 'GET|POST|PATCH|PUT' '/v2/.+')" 0 "reads and writes"

step "wrong credentials: exit 1, a clear message, no secret"
jq -n --arg h "$D" '{auths: {($h): {auth: ("testuser:sesame-wrong" | @base64)}}}' \
	>"$TEST_DIR/bad-auth.json"
assert_exit 1 "$P" --cert-dir "$(_rv dst CERTDIR)" --authfile "$TEST_DIR/bad-auth.json" \
	-a "$TEST_DIR/a.tgz" --tag "$D/acme/app:2.0"
assert_contains "$ERR" "authentication failed for registry '$D'"
assert_not_contains "$ERR" "sesame"

step "a publish interrupted by killing the registry completes when run again"
fixture_image src big/layer 1 --layers 2 --size 48M >/dev/null
jq -n --arg h "$S" '{schemaVersion: "v1.2.0", name: "big", version: "1",
	invocationImages: [{imageType: "docker", image: ($h + "/big/layer:1")}]}' \
	>"$TEST_DIR/big.json"
assert_exit 0 "$A" "${OPTS[@]}" -f "$TEST_DIR/big.json" "$TEST_DIR/big.tgz"
CNAB_RETRY_ATTEMPTS=2 "$P" -v "${OPTS[@]}" -a "$TEST_DIR/big.tgz" \
	--tag "$D/big/app:1" 2>"$TEST_DIR/big.err" &
pid=$!
# kill it once a first blob is in, while the next is on its way
for i in $(seq 400); do
	grep -q 'PUT .*/blobs/uploads/.* 201' "$TEST_DIR/big.err" && break
	sleep 0.05
done
reg_down dst --kill
rc=0
wait "$pid" || rc=$?
assert_eq "$rc" 1 "exit code of the interrupted publish"
reg_up dst
assert_exit 4 "$I" "${OPTS[@]}" -r "$D/big/app:1"
assert_exit 0 "$P" -v "${OPTS[@]}" -a "$TEST_DIR/big.tgz" --tag "$D/big/app:1"
note "$(grep 'blobs uploaded' <<<"$ERR")"
assert_match "$ERR" "[0-9]+ blobs uploaded, [1-9][0-9]* already there"
assert_exit 0 "$I" "${OPTS[@]}" --verify -q -r "$D/big/app:1"

step "SIGTERM in the middle of a publish at --jobs 4: no tag, and run again it completes"
"$P" -v "${OPTS[@]}" --jobs 4 -a "$TEST_DIR/big.tgz" --tag "$D/term/app:1" \
	--relocation-mapping "$TEST_DIR/term-map.json" 2>"$TEST_DIR/term.err" &
pid=$!
for i in $(seq 400); do
	grep -q 'PUT .*/blobs/uploads/.* 201' "$TEST_DIR/term.err" && break
	sleep 0.05
done
kill -TERM "$pid"
rc=0
wait "$pid" || rc=$?
assert_eq "$rc" 143 "exit status of the publish killed by SIGTERM"
[ ! -e "$TEST_DIR/term-map.json" ] || fail "a mapping was written"
assert_exit 4 "$I" "${OPTS[@]}" -r "$D/term/app:1"
assert_exit 0 "$P" "${OPTS[@]}" --jobs 4 -a "$TEST_DIR/big.tgz" --tag "$D/term/app:1"
assert_exit 0 "$I" "${OPTS[@]}" --verify -q -r "$D/term/app:1"

echo ok
