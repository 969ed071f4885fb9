#!/bin/bash
# Split volumes (issue 17): cnab-archive --split-size writes NAME.000, ...
# whose concatenation is the archive written whole; publish -a NAME.000
# (and cat NAME.0* | publish -a -) gives the index digest that publishing
# the whole archive gives; a set missing a volume publishes nothing; a run
# that fails or is ended by a signal mid-set leaves no volume.
set -eu
. "$(dirname "$0")/lib.sh"
require_tools cnab-archive cnab-inspect cnab-publish-archive
export CNAB_RETRY_BASE_MS=50
A=$CNAB_BIN/cnab-archive
I=$CNAB_BIN/cnab-inspect
P=$CNAB_BIN/cnab-publish-archive

reg_start plain p
H=$(_rv p HOST)
# shellcheck disable=SC2207
OPTS=($(cnab_opts p))

# a bundle of some 3.5 MB: a Docker image (2 layers of 1 MiB) and an OCI
# one (3 of 512 KiB)
fixture_image p app/installer v1 --layers 2 --size 1M >/dev/null
fixture_image p app/web 2.0 --format oci --layers 3 --size 512K >/dev/null
jq -n --arg h "$H" '{schemaVersion: "v1.2.0", name: "split",
	version: "1.0.0", invocationImages: [{imageType: "docker",
	image: ($h + "/app/installer:v1")}],
	images: {web: {imageType: "oci", image: ($h + "/app/web:2.0")}}}' \
	>"$TEST_DIR/bundle.json"
B=$TEST_DIR/bundle.json

# unnamed files (O_TMPFILE) or temporary names of a run under $TEST_DIR,
# among the descriptors of process $1
unnamed_outputs() {
	local f n=0
	for f in /proc/"$1"/fd/*; do
		case $(readlink "$f" 2>/dev/null) in
		"$TEST_DIR/#"* | "$TEST_DIR"/*.tmp-*) n=$((n + 1)) ;;
		esac
	done
	echo "$n"
}

step "--split-size 1Mi: volumes of 1048576 bytes whose concatenation is the whole archive"
assert_exit 0 "$A" "${OPTS[@]}" -f "$B" "$TEST_DIR/whole.tgz"
assert_exit 0 "$A" "${OPTS[@]}" -o json -f "$B" --split-size 1Mi "$TEST_DIR/app.tgz"
n=$(jq -r .volumes "$TEST_DIR/run.out")
assert_eq "$(jq -r .archive "$TEST_DIR/run.out")" "$TEST_DIR/app.tgz.000"
whole=$(stat -c %s "$TEST_DIR/whole.tgz")
note "$n volumes for an archive of $whole bytes"
assert_eq "$n" "$(((whole + 1048575) / 1048576))" "volumes for $whole bytes"
assert_eq "$(find "$TEST_DIR" -name 'app.tgz.*' | wc -l)" "$n" "volumes on disk"
for ((i = 0; i < n - 1; i++)); do
	assert_eq "$(stat -c %s "$(printf '%s/app.tgz.%03d' "$TEST_DIR" "$i")")" 1048576
done
[ ! -e "$TEST_DIR/app.tgz" ] || fail "--split-size wrote the whole archive too"
cat "$TEST_DIR"/app.tgz.0* | cmp - "$TEST_DIR/whole.tgz" ||
	fail "the volumes joined are not the whole archive"
assert_exit 0 "$I" --verify -a "$TEST_DIR/app.tgz.000"
assert_contains "$(cat "$TEST_DIR/run.err")" "verified"

step "publish -a NAME.000: the same index digest as the whole archive"
assert_exit 0 "$P" "${OPTS[@]}" -o json -a "$TEST_DIR/whole.tgz" --tag "$H/acme/split:whole"
want=$(jq -r .digest "$TEST_DIR/run.out")
assert_exit 0 "$P" "${OPTS[@]}" -o json -a "$TEST_DIR/app.tgz.000" --tag "$H/acme/split:volumes"
assert_eq "$(jq -r .digest "$TEST_DIR/run.out")" "$want" "digest published from the volumes"
# into a repository of its own too, where every blob is uploaded
assert_exit 0 "$P" "${OPTS[@]}" -o json -a "$TEST_DIR/app.tgz.000" --tag "$H/other/split:volumes"
assert_eq "$(jq -r .digest "$TEST_DIR/run.out")" "$want" "digest in a fresh repository"
assert_exit 0 "$I" "${OPTS[@]}" --verify -r "$H/other/split:volumes"

step "cat NAME.0* | publish -a -: the same digest"
out=$(cat "$TEST_DIR"/app.tgz.0* | "$P" "${OPTS[@]}" -o json -a - --tag "$H/piped/split:1")
assert_eq "$(jq -r .digest <<<"$out")" "$want" "digest published from a pipe"

step "a set missing a volume or cut short: exit 3 naming it, nothing published"
mkdir "$TEST_DIR/m" "$TEST_DIR/t"
cp "$TEST_DIR"/app.tgz.0* "$TEST_DIR/m/"
cp "$TEST_DIR"/app.tgz.0* "$TEST_DIR/t/"
rm "$TEST_DIR/m/app.tgz.001"
assert_exit 3 "$P" "${OPTS[@]}" -a "$TEST_DIR/m/app.tgz.000" --tag "$H/missing/split:1"
assert_contains "$(cat "$TEST_DIR/run.err")" "missing volume '$TEST_DIR/m/app.tgz.001'"
assert_exit 4 "$I" "${OPTS[@]}" -r "$H/missing/split:1"
last=$(printf '%s/t/app.tgz.%03d' "$TEST_DIR" $((n - 1)))
truncate -s -100 "$last"
assert_exit 3 "$P" "${OPTS[@]}" -a "$TEST_DIR/t/app.tgz.000" --tag "$H/truncated/split:1"
assert_contains "$(cat "$TEST_DIR/run.err")" "last volume '$last'"
assert_exit 4 "$I" "${OPTS[@]}" -r "$H/truncated/split:1"

step "more than 1000 volumes: exit 2 before anything is written (the layers alone need more)"
assert_exit 2 "$A" "${OPTS[@]}" -f "$B" --split-size 1k "$TEST_DIR/many.tgz"
assert_contains "$(cat "$TEST_DIR/run.err")" "more than 1000 volumes"
assert_contains "$(cat "$TEST_DIR/run.err")" "--split-size"
assert_eq "$(find "$TEST_DIR" -maxdepth 1 -name 'many.tgz*' | wc -l)" 0 \
	"volumes left by a failed run"

step "written again with larger volumes: the older volumes beyond the new count go"
assert_exit 0 "$A" "${OPTS[@]}" -f "$B" --split-size 2Mi "$TEST_DIR/app.tgz"
assert_eq "$(find "$TEST_DIR" -maxdepth 1 -name 'app.tgz.*' | wc -l)" \
	"$(((whole + 2097151) / 2097152))" "volumes after the second run"
cat "$TEST_DIR"/app.tgz.0* | cmp - "$TEST_DIR/whole.tgz" ||
	fail "the new set joined is not the whole archive"

# a big image through a throttling proxy, so that a signal lands mid-set
reg_proxy p --rate-down 8000000
PH=$(_rv p PROXY_HOST)
fixture_image p big/layer 1 --layers 1 --size 24M >/dev/null
jq -n --arg h "$PH" '{schemaVersion: "v1.2.0", name: "big",
	version: "1", invocationImages: [{imageType: "docker",
	image: ($h + "/big/layer:1")}]}' >"$TEST_DIR/big.json"
# shellcheck disable=SC2207
POPTS=($(cnab_opts p))

# waits until process $1 has written into at least 3 volumes
mid_set() {
	local i
	for i in $(seq 600); do
		[ "$(unnamed_outputs "$1")" -ge 3 ] && return
		sleep 0.05
	done
	fail "the set was not being written"
}

step "ended by a signal mid-set: no volume and no temporary file is left"
for sig in TERM HUP; do
	# (the signal's default action, even when inherited ignored: nohup)
	env --default-signal="$sig" "$A" "${POPTS[@]}" -f "$TEST_DIR/big.json" \
		--split-size 1Mi "$TEST_DIR/big.tgz" 2>"$TEST_DIR/sig.err" &
	pid=$!
	mid_set "$pid"
	kill -"$sig" "$pid"
	rc=0
	wait "$pid" || rc=$?
	assert_eq "$rc" "$((128 + $(kill -l "$sig")))" "exit status after SIG$sig"
	assert_eq "$(find "$TEST_DIR" -maxdepth 1 -name 'big.tgz*' | wc -l)" 0 \
		"files left by SIG$sig"
done

step "killed (SIGKILL) mid-set: the volumes never had names"
"$A" "${POPTS[@]}" -f "$TEST_DIR/big.json" --split-size 1Mi \
	"$TEST_DIR/big.tgz" 2>"$TEST_DIR/kill.err" &
pid=$!
mid_set "$pid"
assert_eq "$(find "$TEST_DIR" -maxdepth 1 -name 'big.tgz*' | wc -l)" 0 \
	"names of the volumes while they are written"
kill -KILL "$pid"
rc=0
wait "$pid" || rc=$?
assert_eq "$rc" 137 "exit status after SIGKILL"
assert_eq "$(find "$TEST_DIR" -maxdepth 1 -name 'big.tgz*' | wc -l)" 0 \
	"names of the volumes after SIGKILL"

step "the set written whole through the proxy joins into the archive"
assert_exit 0 "$A" "${POPTS[@]}" -f "$TEST_DIR/big.json" --split-size 5M "$TEST_DIR/big.tgz"
assert_exit 0 "$A" "${POPTS[@]}" -f "$TEST_DIR/big.json" "$TEST_DIR/big-whole.tgz"
cat "$TEST_DIR"/big.tgz.0* | cmp - "$TEST_DIR/big-whole.tgz" ||
	fail "the big set joined is not the whole archive"

echo "ok"
