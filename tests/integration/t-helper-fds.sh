#!/bin/bash
# No descriptor of ours leaks into a credential helper (issue 12, item 9):
# docker-credential-fdspy records the descriptors it was started with,
# then answers with the test's credentials.  cnab-relocate runs the source
# registry's helper in a copy's producer thread, while the copy pipe is
# open (and, at --jobs 4, other copies' pipes); cnab-archive with images
# on two registries.
set -eu
. "$(dirname "$0")/lib.sh"
require_tools cnab-archive cnab-publish-archive cnab-relocate
export CNAB_RETRY_BASE_MS=50
A=$CNAB_BIN/cnab-archive
P=$CNAB_BIN/cnab-publish-archive
R=$CNAB_BIN/cnab-relocate

reg_start basic src
reg_start basic dst
S=$(_rv src HOST)
D=$(_rv dst HOST)
# shellcheck disable=SC2207
SETUP=($(cnab_opts src dst))

mkdir -p "$TEST_DIR/bin" "$TEST_DIR/fds"
SPY=$TEST_DIR/bin/docker-credential-fdspy
# find runs in a child and opens its output itself: what it lists is the
# helper's shell as started (and the script the shell reads, on a
# descriptor of its own)
cat >"$SPY" <<'EOF'
#!/bin/sh
find "/proc/$$/fd/" -mindepth 1 -fprintf "$FDSPY_DIR/fds.$$" '%f %l\n'
read -r host
printf '{"ServerURL":"%s","Username":"%s","Secret":"%s"}\n' \
	"$host" "$REG_USER" "$REG_PASS"
EOF
chmod +x "$SPY"
export PATH="$TEST_DIR/bin:$PATH" FDSPY_DIR=$TEST_DIR/fds
jq -n --arg s "$S" --arg d "$D" '{credHelpers: {($s): "fdspy", ($d): "fdspy"}}' \
	>"$TEST_DIR/helper-auth.json"
OPTS=("${SETUP[@]}")
OPTS[${#OPTS[@]} - 1]=$TEST_DIR/helper-auth.json

# nofds CMD...: CMD started with descriptors 0, 1 and 2 only (as a shell
# started from a terminal would start it): any other the helper gets is ours
# (bash -c "$NOFDS" nofds CMD... & gives CMD's pid in $!)
NOFDS='for f in /proc/$$/fd/*; do
	n=${f##*/}
	[ "$n" -le 2 ] || eval "exec $n>&-"
done 2>/dev/null
exec "$@"'
nofds() {
	bash -c "$NOFDS" nofds "$@"
}

# check_fds MIN WHAT: the helper ran at least MIN times since the last call,
# and saw only 0, 1, 2 and its own script
check_fds() {
	local f n=0 extra
	for f in "$FDSPY_DIR"/fds.*; do
		[ -e "$f" ] || continue
		n=$((n + 1))
		extra=$(grep -Ev '^[012] |/docker-credential-fdspy$' "$f" || true)
		[ -z "$extra" ] ||
			fail "$2: a credential helper inherited: $(tr '\n' ' ' <<<"$extra")"
	done
	[ "$n" -ge "$1" ] || fail "$2: the credential helper ran $n times, expected $1 or more"
	note "$2: $n helper runs, each with descriptors 0, 1, 2 only"
	rm -f "$FDSPY_DIR"/fds.*
}

step "a bundle with images on two registries with auth"
fixture_image src app/installer v1 --layers 2 --size 64K >/dev/null
fixture_image dst app/web 2.0 --format oci --layers 2 --size 64K >/dev/null
jq -n --arg s "$S" --arg d "$D" '{schemaVersion: "v1.2.0", name: "fds",
	version: "1.0.0", invocationImages: [{imageType: "docker",
		image: ($s + "/app/installer:v1")}],
	images: {web: {imageType: "oci", image: ($d + "/app/web:2.0")}}}' \
	>"$TEST_DIR/bundle.json"
assert_exit 0 "$A" "${SETUP[@]}" -f "$TEST_DIR/bundle.json" "$TEST_DIR/ref.tgz"

# (cnab-archive resolves every image, running the helpers, before it
# creates its temporary output file: test-fsutil checks that file)
step "cnab-archive: the helper, its credentials the only ones given"
assert_exit 0 nofds "$A" "${OPTS[@]}" -f "$TEST_DIR/bundle.json" "$TEST_DIR/a.tgz"
cmp "$TEST_DIR/ref.tgz" "$TEST_DIR/a.tgz" || fail "not the same archive"
check_fds 2 cnab-archive

step "cnab-relocate: the source's helper runs while a copy pipe is open"
assert_exit 0 "$P" "${SETUP[@]}" -a "$TEST_DIR/a.tgz" --tag "$S/acme/app:1.0"
for j in 1 4; do
	assert_exit 0 nofds "$R" "${OPTS[@]}" --jobs "$j" "$S/acme/app:1.0" "$D/fds$j/app:1"
	# SOURCE and DEST once in the main thread, then each worker's
	# handle for DEST and, in its first copy's producer, for SOURCE
	check_fds 4 "cnab-relocate --jobs $j"
done

step "cnab-relocate's copy pipe is close-on-exec (seen during a stalled read)"
# (libcurl 7.88's descriptors are sockets: the pipes are the copy's)
proxy_start px src
X=$(_rv px HOST)
# shellcheck disable=SC2207
OPTS2=($(cnab_opts src dst px))
# the first blob read is bundle.json's, in the main thread
proxy_rules px '[{"action": "stall", "seconds": 3, "method": "GET",
	"path": "/blobs/", "skip": 1, "n": 1}]'
bash -c "$NOFDS" nofds "$R" "${OPTS2[@]}" --jobs 1 "$X/acme/app:1.0" \
	"$D/stalled/app:1" >"$TEST_DIR/stalled.out" 2>&1 &
pid=$!
pipes=
for ((i = 0; i < 100 && ${#pipes} == 0; i++)); do
	sleep 0.05
	pipes=$(find "/proc/$pid/fd/" -mindepth 1 -lname 'pipe:*' -printf '%f ' 2>/dev/null || true)
done
for n in $pipes; do
	flags=$(awk '$1 == "flags:" { print $2 }' "/proc/$pid/fdinfo/$n")
	((8#$flags & 8#2000000)) ||
		fail "copy pipe descriptor $n is not close-on-exec (flags $flags)"
done
wait "$pid" || fail "cnab-relocate failed: $(cat "$TEST_DIR/stalled.out")"
[ -n "$pipes" ] || fail "no copy pipe seen"
note "copy pipe descriptors $pipes: close-on-exec"
assert_eq "$(proxy_count px GET '/blobs/' null)" 0 "stalled reads that failed"

echo ok
