#!/bin/bash
# tests/tools/measure-delta.sh [SIZE]: the measures of issue 17 for delta
# archives, on a loopback registry.  A base of SIZE (default 1G) in 3
# images, 40 layers (tests/tools/mklayout.py, as make bench makes it), and
# the next release changing 2 of those layers (mkrelease.py); prints the
# sizes of the full and delta archives, the time of publishing the full
# release 2 (onto an empty repository, and onto the base's) against the
# delta onto the base's repository (and onto another with --base-tag), and
# checks that every publish gives the same index digest.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
export ITEST_TMP=$top/tests/tmp/measure
. "$top/tests/integration/lib.sh"
A=$CNAB_BIN/cnab-archive
P=$CNAB_BIN/cnab-publish-archive
SIZE=$(numfmt --from=iec "${1:-1G}")
T=$TEST_DIR

reg_start plain src
S=$(_rv src HOST)
# shellcheck disable=SC2207
OPTS=($(cnab_opts src))

step "release 1: $(numfmt --to=iec "$SIZE") in 3 images, 40 layers; release 2 changes 2"
python3 "$top/tests/tools/mklayout.py" "$T/l1" "$SIZE" 3 40
python3 "$top/tests/tools/mkrelease.py" "$T/l1" "$T/l2" 2
for v in 1 2; do
	jq -n --arg v "$v" '{schemaVersion: "v1.2.0", name: "app",
		version: ("1.0." + $v),
		invocationImages: [{imageType: "oci", image: "img0:1"}],
		images: {a: {imageType: "oci", image: "img1:1"},
			b: {imageType: "oci", image: "img2:1"}}}' >"$T/b$v.json"
	"$A" -q --layout "$T/l$v" -f "$T/b$v.json" "$T/full$v.tgz"
done
# seconds CMD...: runs CMD, prints how long it took
seconds() {
	local t0 t1
	t0=$(date +%s.%N)
	"$@" >"$T/out.json"
	t1=$(date +%s.%N)
	echo "$t1 - $t0" | bc
}
t=$(seconds "$A" -q --layout "$T/l2" -f "$T/b2.json" --base "$T/full1.tgz" \
	"$T/delta.tgz")
full=$(stat -c %s "$T/full2.tgz")
delta=$(stat -c %s "$T/delta.tgz")
echo "full archive:  $full bytes"
echo "delta archive: $delta bytes ($(echo "scale=2; 100 * $delta / $full" | bc)% of full), written in $t s"

"$P" -q "${OPTS[@]}" -a "$T/full1.tgz" --tag "$S/base/app:1" >/dev/null
t=$(seconds "$P" -q "${OPTS[@]}" -a "$T/full2.tgz" --tag "$S/empty/app:2" -o json)
want=$(jq -r .digest "$T/out.json")
echo "publish full onto an empty repository: $t s ($want)"
t=$(seconds "$P" -q "${OPTS[@]}" -a "$T/full2.tgz" --tag "$S/base/app:2" -o json)
echo "publish full onto the base's repository: $t s ($(jq -r .digest "$T/out.json"))"
"$P" -q "${OPTS[@]}" -a "$T/full1.tgz" --tag "$S/base2/app:1" >/dev/null
t=$(seconds "$P" -q "${OPTS[@]}" -a "$T/delta.tgz" --tag "$S/base2/app:2" -o json)
got=$(jq -r .digest "$T/out.json")
echo "publish delta onto the base's repository: $t s ($got)"
[ "$got" = "$want" ] || fail "index digest $got, full publish $want"
t=$(seconds "$P" -q "${OPTS[@]}" -a "$T/delta.tgz" --tag "$S/prod/app:2" \
	--base-tag "$S/base/app:1" -o json)
got=$(jq -r .digest "$T/out.json")
echo "publish delta with --base-tag (mounts): $t s ($got)"
[ "$got" = "$want" ] || fail "index digest $got, full publish $want"
