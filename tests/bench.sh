#!/bin/bash
# make bench: our tools against the peer pipelines a user would run today,
# measured in the same run on loopback registries (one table per registry
# storage), then across a WAN made by a delaying proxy; medians of
# BENCH_REPS.
#
#   BENCH_BIN   the directory of the four tools measured (default: the
#               repository root; e.g. an older build, to compare)
#   BENCH_SIZE  layer data of the bundle (default 1G; e.g. 4G)
#   BENCH_BIG   a second, bigger bundle for inspect time and peak memory
#               (default 4G; 0 to skip)
#   BENCH_REPS  repetitions of each timed command (default 3)
#   BENCH_STORAGES  where the registries keep their data, a loopback table
#               for each (default "disk tmpfs"): disk is the test
#               directory, as users' registries store, so that the
#               registry's ingest cost is part of what is measured; tmpfs
#               is /dev/shm/cnab-bench, which leaves it out; or a
#               directory.  BENCH_REG_STORAGE=DIR alone: that one only.
#   BENCH_WAN_DELAY  ms added each way by the proxy in front of every
#               registry of the WAN table (default 25, a 50 ms round
#               trip; 0 skips the WAN table)
#   BENCH_WAN_REPS  repetitions over the WAN (default 1)
#   BENCH_WAN_CONNECT  1: a new connection costs a round trip more, as a
#               TCP handshake across a WAN does (default 0, as when the
#               WAN numbers of issue 13 were taken)
#   BENCH_WAN_BIG  1: the WAN table for the BENCH_SIZE bundle too
#               (default 0: only 4 images x 30 layers of 200 KiB)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
export ITEST_TMP=$top/tests/tmp/bench
. "$top/tests/integration/lib.sh"
BIN=$(cd "${BENCH_BIN:-$top}" && pwd)
A=$BIN/cnab-archive
P=$BIN/cnab-publish-archive
I=$BIN/cnab-inspect
R=$BIN/cnab-relocate
for t in "$A" "$P" "$I" "$R"; do
	[ -x "$t" ] || fail "no $(basename "$t") in $BIN (BENCH_BIN)"
done
SIZE=$(numfmt --from=iec "${BENCH_SIZE:-1G}")
BIG=$(numfmt --from=iec "${BENCH_BIG:-4G}")
REPS=${BENCH_REPS:-3}
if [ -n "${BENCH_REG_STORAGE:-}" ]; then
	STORAGES=${BENCH_STORAGES:-$BENCH_REG_STORAGE}
else
	STORAGES=${BENCH_STORAGES:-disk tmpfs}
fi
WAN_DELAY=${BENCH_WAN_DELAY:-25}
WAN_REPS=${BENCH_WAN_REPS:-1}
WAN_BIG=${BENCH_WAN_BIG:-0}
WAN_OPTS=(--delay-ms "$WAN_DELAY")
[ "${BENCH_WAN_CONNECT:-0}" = 0 ] || WAN_OPTS+=(--connect-rtt)
# storage_dir WORD: the registries' storage for ITEST_REG_STORAGE
storage_dir() {
	case $1 in
	disk) echo "" ;;
	tmpfs) echo /dev/shm/cnab-bench ;;
	/*) echo "$1" ;;
	*) fail "BENCH_STORAGES: disk, tmpfs or an absolute directory, not '$1'" ;;
	esac
}
read -r -a STG <<<"$STORAGES"
[ "${#STG[@]}" -gt 0 ] || fail "BENCH_STORAGES is empty"
for st in "${STG[@]}"; do
	storage_dir "$st" >/dev/null
done
export ITEST_REG_STORAGE
ITEST_REG_STORAGE=$(storage_dir "${STG[0]}")
RESULTS=$TEST_DIR/results
: >"$RESULTS"

median() { sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

# timed NAME CMD...: runs CMD, records "NAME seconds maxrss_kb"
timed() {
	local name=$1
	shift
	/usr/bin/time -f '%e %M' -o "$TEST_DIR/time.out" "$@" >/dev/null
	echo "$name $(cat "$TEST_DIR/time.out")" >>"$RESULTS"
}
secs() { awk -v n="$1" '$1 == n {print $2}' "$RESULTS" | median; }
rss() { awk -v n="$1" '$1 == n {print $3}' "$RESULTS" | sort -g | tail -1; }
# record NAME VALUE: a value measured otherwise (secs gives its median)
record() { echo "$1 $2 0" >>"$RESULTS"; }

reg_start plain src
S=$(_rv src HOST)
n=0
fresh() { # a new, empty registry: nothing to skip or mount
	n=$((n + 1))
	reg_start plain "d$n"
	D=$(_rv "d$n" HOST)
	DN=d$n
}
done_with() { # frees a registry's disk
	reg_stop "$1"
	rm -rf "$(readlink -f "$TEST_DIR/reg/$1/data")" "$TEST_DIR/reg/$1/data"
}
fresh_wan() { # fresh, seen through a delaying proxy at $DP
	fresh
	reg_proxy "$DN" "${WAN_OPTS[@]}"
	DP=$(_rv "$DN" PROXY_HOST)
}
# requests NAME...: the requests the registries received since their mark
requests() {
	local r n=0
	for r in "$@"; do
		n=$((n + $(count_requests "$r" '*' '.')))
	done
	echo "$n"
}

# bundle_json FILE REF...: a bundle naming the images, the first as its
# invocation image
bundle_json() {
	local out=$1
	shift
	jq -n '{schemaVersion: "v1.2.0", name: "bench", version: "1.0.0",
		invocationImages: [{imageType: "oci", image: $ARGS.positional[0]}],
		images: (reduce range(1; $ARGS.positional | length) as $i ({};
			. + {(["one", "two", "three", "four", "five", "six", "seven",
			"eight", "nine"][$i - 1] // "image\($i)"):
			{image: $ARGS.positional[$i]}}))}' --args "$@" >"$out"
}

# count_blobs NAME: the blobs of bundle NAME (layers and configs of its
# images, and bundle.json), into NAME.blobs: requests per blob divide by it
count_blobs() {
	local r n=1
	for r in $(jq -r '.invocationImages[].image, .images[].image' \
		"$TEST_DIR/$1.json"); do
		n=$((n + $(sk_inspect --raw "docker://$r" |
			jq '(.layers // error("not an image manifest")) | length + 1')))
	done
	echo "$n" >"$TEST_DIR/$1.blobs"
}

# bundle_objects ARCHIVE REPO PREFIX: the bundle's index and config
# manifest as ours publish them, into PREFIX-ix.json and PREFIX-cm.json, for
# the peer of publish to push with curl
bundle_objects() {
	local cm
	"$P" -q --insecure-registry "$S" -a "$1" --tag "$S/$2:1" >/dev/null
	sk_inspect --raw "docker://$S/$2:1" >"$3-ix.json"
	cm=$(jq -r '.manifests[0].digest' "$3-ix.json")
	curl -sS -H "Accept: application/vnd.oci.image.manifest.v1+json" \
		"http://$S/v2/$2/manifests/$cm" >"$3-cm.json"
}

# peer_archive_script FILE REFS BUNDLE_JSON: the peer of archive -r,
# skopeo copy --all each image to a layout, then tar czf (into
# $TEST_DIR/peer.tgz)
peer_archive_script() {
	rm -rf "$TEST_DIR/peer" "$TEST_DIR/peer.tgz"
	mkdir -p "$TEST_DIR/peer/artifacts/layout"
	cat >"$1" <<-EOF
		set -e
		for r in $(tr '\n' ' ' <<<"$2"); do
			skopeo --policy "$ITEST_POLICY" copy -q --all \
				--src-tls-verify=false \
				"docker://\$r" "oci:$TEST_DIR/peer/artifacts/layout:\$r"
		done
		cp "$3" "$TEST_DIR/peer/bundle.json"
		tar -C "$TEST_DIR/peer" -czf "$TEST_DIR/peer.tgz" .
	EOF
}

# peer_relocate_script FILE REFS HOST: the peer of relocate, skopeo copy
# --all each image to HOST/bench/
peer_relocate_script() {
	cat >"$1" <<-EOF
		set -e
		for r in $(tr '\n' ' ' <<<"$2"); do
			skopeo --policy "$ITEST_POLICY" copy -q --all \
				--src-tls-verify=false --dest-tls-verify=false \
				"docker://\$r" "docker://$3/bench/\$(basename \$r)"
		done
	EOF
}

# peer_publish_script FILE ARCHIVE REFS HOST PREFIX: the peer of publish,
# tar xzf, skopeo copy --all each image, then the bundle's config blob,
# config manifest and index with curl
peer_publish_script() {
	cat >"$1" <<-EOF
		set -e
		tar -xzf "$2" -C "$TEST_DIR/x"
		i=0
		for r in $(tr '\n' ' ' <<<"$3"); do
			i=\$((i + 1))
			skopeo --policy "$ITEST_POLICY" copy -q --all \
				--dest-tls-verify=false \
				"oci:$TEST_DIR/x/artifacts/layout:\$r" \
				"docker://$4/bench/app:image\$i"
		done
		b=$TEST_DIR/x/bundle.json
		loc=\$(curl -sS -X POST -D - -o /dev/null \
			"http://$4/v2/bench/app/blobs/uploads/" |
			tr -d '\r' | sed -n 's/^[Ll]ocation: //p')
		curl -sS -f -X PUT --data-binary @"\$b" \
			-H 'Content-Type: application/octet-stream' \
			"\$loc&digest=sha256:\$(sha256sum <"\$b" | cut -d' ' -f1)" >/dev/null
		curl -sS -f -X PUT --data-binary @"$5-cm.json" \
			-H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
			"http://$4/v2/bench/app/manifests/sha256:\$(sha256sum <"$5-cm.json" | cut -d' ' -f1)"
		curl -sS -f -X PUT --data-binary @"$5-ix.json" \
			-H 'Content-Type: application/vnd.oci.image.index.v1+json' \
			"http://$4/v2/bench/app/manifests/1"
	EOF
}

# bundle SIZE NAME [IMAGES LAYERS]: images of SIZE bytes in the source
# registry (3 images, 40 layers in all), a bundle naming them, and its
# archive NAME.tgz
bundle() {
	local size=$1 name=$2 imgs=${3:-3} layers=${4:-40} i refs=()
	step "a bundle of $(numfmt --to=iec "$size") in $imgs images, $layers layers"
	python3 "$top/tests/tools/mklayout.py" "$TEST_DIR/$name.layout" "$size" \
		"$imgs" "$layers"
	for ((i = 0; i < imgs; i++)); do
		sk_copy "oci:$TEST_DIR/$name.layout:img$i:1" \
			"docker://$S/$name/img$i:1" >/dev/null
		refs+=("$S/$name/img$i:1")
	done
	rm -rf "$TEST_DIR/$name.layout"
	bundle_json "$TEST_DIR/$name.json" "${refs[@]}"
	count_blobs "$name"
	"$A" -q --insecure-registry "$S" -f "$TEST_DIR/$name.json" \
		"$TEST_DIR/$name.tgz"
}

bundle "$SIZE" b1
ARCH=$TEST_DIR/b1.tgz
REFS=$(jq -r '.invocationImages[].image, .images[].image' "$TEST_DIR/b1.json")
# the bundle objects the peer of publish pushes, as ours wrote them
bundle_objects "$ARCH" bench/app "$TEST_DIR/b1"

# inflate a gzip stream from stdin to stdout with zlib
INFLATE=$TEST_DIR/inflate.py
cat >"$INFLATE" <<'PY'
import sys, zlib
d = zlib.decompressobj(31)
while True:
    b = sys.stdin.buffer.read(1 << 20)
    if not b:
        break
    sys.stdout.buffer.write(d.decompress(b))
sys.stdout.buffer.write(d.flush())
if not d.eof:
    sys.exit("inflate: truncated gzip stream")
PY

# loopback_reps STORAGE: BENCH_REPS repetitions of each job and its peer on
# loopback registries, into $RESULTS
loopback_reps() {
	local rep
	for rep in $(seq "$REPS"); do
		step "repetition $rep of $REPS, registry storage $1"
		# the floor: one inflate and one hash of every byte
		timed floor sh -c "gzip -dc '$ARCH' | sha256sum >/dev/null"
		# the same with the libraries ours use (zlib, OpenSSL's SHA-256),
		# which are faster than gzip's and coreutils' own on some CPUs
		timed floorlib sh -c "python3 '$INFLATE' <'$ARCH' | openssl dgst -sha256 >/dev/null"

		# publish, ours
		fresh
		timed publish "$P" -q --insecure-registry "$D" -a "$ARCH" \
			--tag "$D/bench/app:1"
		# publishing again: settled from bundle.json, nothing sent
		reg_mark "$DN"
		timed republish "$P" -q --insecure-registry "$D" -a "$ARCH" \
			--tag "$D/bench/app:1"
		writes=$(count_requests "$DN" 'POST|PATCH|PUT' '.')
		[ "$writes" = 0 ] || fail "re-publish wrote $writes times"
		# archive of the published bundle, ours
		rm -f "$TEST_DIR/back.tgz"
		timed archive "$A" -q --insecure-registry "$D" -r "$D/bench/app:1" \
			"$TEST_DIR/back.tgz"
		cmp -s "$ARCH" "$TEST_DIR/back.tgz" || fail "archive -r differs"

		# the peer of archive: skopeo copy --all each image to a layout,
		# then tar czf
		peer_archive_script "$TEST_DIR/peer-archive.sh" "$REFS" \
			"$TEST_DIR/b1.json"
		timed peer-archive bash "$TEST_DIR/peer-archive.sh"
		echo "size-ours $(stat -c %s "$ARCH") 0" >>"$RESULTS"
		echo "size-tarczf $(stat -c %s "$TEST_DIR/peer.tgz") 0" >>"$RESULTS"

		# relocate to another registry, against skopeo copy --all of the
		# same images
		PD=$D PDN=$DN
		fresh
		timed relocate "$R" -q --insecure-registry "$PD" \
			--insecure-registry "$D" "$PD/bench/app:1" "$D/bench/app:1"
		done_with "$DN"
		fresh
		peer_relocate_script "$TEST_DIR/peer-relocate.sh" "$REFS" "$D"
		timed peer-relocate bash "$TEST_DIR/peer-relocate.sh"
		done_with "$DN"
		done_with "$PDN"

		# the peer of publish: tar xzf, skopeo copy --all each image, then
		# the bundle's config blob, config manifest and index with curl
		fresh
		rm -rf "$TEST_DIR/x"
		mkdir -p "$TEST_DIR/x"
		peer_publish_script "$TEST_DIR/peer-publish.sh" "$ARCH" "$REFS" "$D" \
			"$TEST_DIR/b1"
		timed peer-publish bash "$TEST_DIR/peer-publish.sh"
		done_with "$DN"
	done
}

# inspect_and_memory: inspect time, and peak memory with the bigger bundle
inspect_and_memory() {
	local rep
	step "inspect and peak memory"
	for rep in $(seq "$REPS"); do
		timed inspect "$I" -a "$ARCH" >/dev/null
	done
	if [ "$BIG" -gt 0 ]; then
		bundle "$BIG" b4
		for rep in $(seq "$REPS"); do
			timed inspect-big "$I" -a "$TEST_DIR/b4.tgz" >/dev/null
		done
		fresh
		timed publish-big "$P" -q --insecure-registry "$D" \
			-a "$TEST_DIR/b4.tgz" --tag "$D/bench/app:1"
		rm -f "$TEST_DIR/b4.tgz"
		timed archive-big "$A" -q --insecure-registry "$D" \
			-r "$D/bench/app:1" "$TEST_DIR/b4.tgz"
		done_with "$DN"
		rm -f "$TEST_DIR/b4.tgz"
	fi
}

# loopback: one table for each storage of the registries
k=0
for st in "${STG[@]}"; do
	k=$((k + 1))
	ITEST_REG_STORAGE=$(storage_dir "$st")
	mkdir -p "${ITEST_REG_STORAGE:-$TEST_DIR}"
	RESULTS=$TEST_DIR/results.$k
	: >"$RESULTS"
	stat -f -c %T "${ITEST_REG_STORAGE:-$TEST_DIR}" >"$TEST_DIR/fs.$k"
	loopback_reps "$st"
	[ "$k" != 1 ] || inspect_and_memory
done

# wan_jobs NAME: bundle NAME's jobs and their peers, each registry behind
# its own delaying proxy (the source's images at $SP), into $RESULTS as
# wan-JOB and wan-JOB-req (requests the registries received)
wan_jobs() {
	local name=$1 arch=$TEST_DIR/$1.tgz refs prefs rep
	refs=$(jq -r '.invocationImages[].image, .images[].image' \
		"$TEST_DIR/$name.json")
	prefs=${refs//"$S/"/"$SP/"}
	for rep in $(seq "$WAN_REPS"); do
		step "WAN, $name, repetition $rep of $WAN_REPS"
		# publish and archive -r, ours
		fresh_wan
		reg_mark "$DN"
		timed wan-publish "$P" -q --insecure-registry "$DP" -a "$arch" \
			--tag "$DP/bench/app:1"
		record wan-publish-req "$(requests "$DN")"
		reg_mark "$DN"
		rm -f "$TEST_DIR/back.tgz"
		timed wan-archive "$A" -q --insecure-registry "$DP" \
			-r "$DP/bench/app:1" "$TEST_DIR/back.tgz"
		record wan-archive-req "$(requests "$DN")"
		cmp -s "$arch" "$TEST_DIR/back.tgz" || fail "archive -r differs"

		# the peer of archive
		peer_archive_script "$TEST_DIR/peer-archive.sh" "$prefs" \
			"$TEST_DIR/$name.json"
		reg_mark src
		timed wan-peer-archive bash "$TEST_DIR/peer-archive.sh"
		record wan-peer-archive-req "$(requests src)"

		# relocate, ours, from the registry published to
		PD=$D PDP=$DP PDN=$DN
		fresh_wan
		reg_mark "$PDN"
		reg_mark "$DN"
		timed wan-relocate "$R" -q --insecure-registry "$PDP" \
			--insecure-registry "$DP" "$PDP/bench/app:1" \
			"$DP/bench/app:1"
		record wan-relocate-req "$(requests "$PDN" "$DN")"
		done_with "$DN"
		done_with "$PDN"
		# the peer of relocate
		fresh_wan
		peer_relocate_script "$TEST_DIR/peer-relocate.sh" "$prefs" "$DP"
		reg_mark src
		reg_mark "$DN"
		timed wan-peer-relocate bash "$TEST_DIR/peer-relocate.sh"
		record wan-peer-relocate-req "$(requests src "$DN")"
		done_with "$DN"

		# the peer of publish
		fresh_wan
		rm -rf "$TEST_DIR/x"
		mkdir -p "$TEST_DIR/x"
		peer_publish_script "$TEST_DIR/peer-publish.sh" "$arch" "$refs" \
			"$DP" "$TEST_DIR/$name"
		reg_mark "$DN"
		timed wan-peer-publish bash "$TEST_DIR/peer-publish.sh"
		record wan-peer-publish-req "$(requests "$DN")"
		done_with "$DN"
	done
}

# the WAN: on the first storage, each registry seen through a proxy that
# delays each direction by WAN_DELAY ms
WAN=()
if [ "$WAN_DELAY" -gt 0 ]; then
	ITEST_REG_STORAGE=$(storage_dir "${STG[0]}")
	# 4 images of 30 layers, 200 KiB each on average
	bundle $((120 * 200 * 1024)) wan 4 120
	bundle_objects "$TEST_DIR/wan.tgz" wan/app "$TEST_DIR/wan"
	reg_proxy src "${WAN_OPTS[@]}"
	SP=$(_rv src PROXY_HOST)
	WAN=(wan)
	if [ "$WAN_BIG" = 1 ]; then
		WAN+=(b1)
	fi
	for w in "${WAN[@]}"; do
		RESULTS=$TEST_DIR/results.$w
		: >"$RESULTS"
		wan_jobs "$w"
	done
fi

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}'; }
# per_blob JOB NAME: requests per blob of bundle NAME
per_blob() { ratio "$(secs "$1-req")" "$(cat "$TEST_DIR/$2.blobs")"; }
{
echo
echo "tools: $BIN (cnab-publish-archive $(sha256sum <"$P" | cut -c1-12))"
k=0
for st in "${STG[@]}"; do
	k=$((k + 1))
	RESULTS=$TEST_DIR/results.$k
	pub=$(secs publish)
	peerpub=$(secs peer-publish)
	arc=$(secs archive)
	peerarc=$(secs peer-archive)
	floor=$(secs floor)
	repub=$(secs republish)
	sizeo=$(secs size-ours)
	sizet=$(secs size-tarczf)
	echo
	echo "cnab-tools benchmark: $(numfmt --to=iec "$SIZE") bundle, 3 images, 40 layers," \
		"medians of $REPS, $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)," \
		"registry storage on $(cat "$TEST_DIR/fs.$k")"
	echo
	echo "| measure | ours | peer | ratio | target |"
	echo "|---|---|---|---|---|"
	echo "| publish vs tar xzf + skopeo copy --all | ${pub}s | ${peerpub}s | $(ratio "$pub" "$peerpub") | <= 0.4 |"
	echo "| publish vs the floor (gzip -dc \| sha256sum) | ${pub}s | ${floor}s | $(ratio "$pub" "$floor") | <= 1.3 |"
	echo "| publish vs zlib inflate \| openssl dgst -sha256 | ${pub}s | $(secs floorlib)s | $(ratio "$pub" "$(secs floorlib)") | |"
	echo "| archive -r vs skopeo copy --all + tar czf | ${arc}s | ${peerarc}s | $(ratio "$arc" "$peerarc") | <= 0.15 |"
	echo "| relocate vs skopeo copy --all, registry to registry | $(secs relocate)s | $(secs peer-relocate)s | $(ratio "$(secs relocate)" "$(secs peer-relocate)") | <= 0.8 |"
	echo "| archive size vs tar czf | $sizeo B | $sizet B | $(ratio "$sizeo" "$sizet") | <= 1.01 |"
	echo "| re-publish vs publish (no blob bytes sent) | ${repub}s | ${pub}s | $(ratio "$repub" "$pub") | <= 0.05 |"
	[ "$k" = 1 ] || continue
	echo "| inspect -a, $(numfmt --to=iec "$SIZE") | $(secs inspect)s | | | < 0.05s |"
	if [ "$BIG" -gt 0 ]; then
		echo "| inspect -a, $(numfmt --to=iec "$BIG") | $(secs inspect-big)s | | | < 0.05s |"
		echo "| peak RSS of publish, $(numfmt --to=iec "$SIZE") / $(numfmt --to=iec "$BIG") | $(rss publish) KB / $(rss publish-big) KB | | $(ratio "$(rss publish-big)" "$(rss publish)") | <= 32 MiB, <= 1.10 |"
		echo "| peak RSS of archive, $(numfmt --to=iec "$SIZE") / $(numfmt --to=iec "$BIG") | $(rss archive) KB / $(rss archive-big) KB | | $(ratio "$(rss archive-big)" "$(rss archive)") | <= 32 MiB, <= 1.10 |"
	fi
done
for w in "${WAN[@]}"; do
	RESULTS=$TEST_DIR/results.$w
	if [ "$w" = wan ]; then
		what="4 images, 30 layers each, of 200 KiB on average"
	else
		what="$(numfmt --to=iec "$SIZE"), 3 images, 40 layers"
	fi
	conn=""
	[ "${BENCH_WAN_CONNECT:-0}" = 0 ] ||
		conn=" (a new connection: a round trip more)"
	t1="" t2="" t3=""
	if [ "$WAN_DELAY" = 25 ]; then
		t1="<= 0.33" t2="<= 0.5" t3="<= 0.5"
	fi
	echo
	echo "over a WAN: $WAN_DELAY ms each way ($((2 * WAN_DELAY)) ms round trip)" \
		"through a delaying proxy$conn; bundle of $what," \
		"$(cat "$TEST_DIR/$w.blobs") blobs; medians of $WAN_REPS," \
		"registry storage on $(cat "$TEST_DIR/fs.1")"
	echo
	echo "| job | ours | peer | ratio | target | requests per blob, ours | peer |"
	echo "|---|---|---|---|---|---|---|"
	for j in "publish:publish:tar xzf + skopeo copy --all:$t1" \
		"archive:archive -r:skopeo copy --all + tar czf:$t2" \
		"relocate:relocate:skopeo copy --all, registry to registry:$t3"; do
		IFS=: read -r job what peer target <<<"$j"
		echo "| $what vs $peer | $(secs "wan-$job")s | $(secs "wan-peer-$job")s |" \
			"$(ratio "$(secs "wan-$job")" "$(secs "wan-peer-$job")") | $target |" \
			"$(per_blob "wan-$job" "$w") | $(per_blob "wan-peer-$job" "$w") |"
	done
	# many small blobs fill the memory budgets that large ones bypass
	echo
	echo "peak RSS over the WAN (target <= 32 MiB): publish $(rss wan-publish) KB," \
		"archive -r $(rss wan-archive) KB, relocate $(rss wan-relocate) KB"
done
} | tee "$top/tests/tmp/bench-results.md"
