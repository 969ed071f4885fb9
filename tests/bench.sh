#!/bin/bash
# make bench: our tools against the peer pipelines a user would run today,
# measured in the same run on loopback registries; medians of BENCH_REPS.
#
#   BENCH_SIZE  layer data of the bundle (default 1G; e.g. 4G)
#   BENCH_BIG   a second, bigger bundle for inspect time and peak memory
#               (default 4G; 0 to skip)
#   BENCH_REPS  repetitions of each timed command (default 3)
#   BENCH_REG_STORAGE  where the registries keep their data (default:
#               the test directory, on disk, as users' registries do, so
#               that the registry's ingest cost is part of what is
#               measured; /dev/shm/cnab-bench to leave it out)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
export ITEST_TMP=$top/tests/tmp/bench
. "$top/tests/integration/lib.sh"
A=$top/cnab-archive
P=$top/cnab-publish-archive
I=$top/cnab-inspect
R=$top/cnab-relocate
SIZE=$(numfmt --from=iec "${BENCH_SIZE:-1G}")
BIG=$(numfmt --from=iec "${BENCH_BIG:-4G}")
REPS=${BENCH_REPS:-3}
export ITEST_REG_STORAGE=${BENCH_REG_STORAGE:-}
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

# bundle SIZE NAME: images of SIZE bytes in the source registry, a bundle
# naming them, and its archive NAME.tgz
bundle() {
	local size=$1 name=$2 i refs=()
	step "a bundle of $(numfmt --to=iec "$size") in 3 images, 40 layers"
	python3 "$top/tests/tools/mklayout.py" "$TEST_DIR/$name.layout" "$size"
	for i in 0 1 2; do
		sk_copy "oci:$TEST_DIR/$name.layout:img$i:1" \
			"docker://$S/$name/img$i:1" >/dev/null
		refs+=("$S/$name/img$i:1")
	done
	rm -rf "$TEST_DIR/$name.layout"
	jq -n --arg a "${refs[0]}" --arg b "${refs[1]}" --arg c "${refs[2]}" \
		'{schemaVersion: "v1.2.0", name: "bench", version: "1.0.0",
		invocationImages: [{imageType: "oci", image: $a}],
		images: {one: {image: $b}, two: {image: $c}}}' \
		>"$TEST_DIR/$name.json"
	"$A" -q --insecure-registry "$S" -f "$TEST_DIR/$name.json" \
		"$TEST_DIR/$name.tgz"
}

bundle "$SIZE" b1
ARCH=$TEST_DIR/b1.tgz
REFS=$(jq -r '.invocationImages[].image, .images[].image' "$TEST_DIR/b1.json")

for rep in $(seq "$REPS"); do
	step "repetition $rep of $REPS"
	# the floor: one inflate and one hash of every byte
	timed floor sh -c "gzip -dc '$ARCH' | sha256sum >/dev/null"

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
	rm -rf "$TEST_DIR/peer" "$TEST_DIR/peer.tgz"
	mkdir -p "$TEST_DIR/peer/artifacts/layout"
	cat >"$TEST_DIR/peer-archive.sh" <<-EOF
		set -e
		for r in $(echo $REFS); do
			skopeo --policy "$ITEST_POLICY" copy -q --all \
				--src-tls-verify=false \
				"docker://\$r" "oci:$TEST_DIR/peer/artifacts/layout:\$r"
		done
		cp "$TEST_DIR/b1.json" "$TEST_DIR/peer/bundle.json"
		tar -C "$TEST_DIR/peer" -czf "$TEST_DIR/peer.tgz" .
	EOF
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
	cat >"$TEST_DIR/peer-relocate.sh" <<-EOF
		set -e
		for r in $(echo $REFS); do
			skopeo --policy "$ITEST_POLICY" copy -q --all \
				--src-tls-verify=false --dest-tls-verify=false \
				"docker://\$r" "docker://$D/bench/\$(basename \$r)"
		done
	EOF
	timed peer-relocate bash "$TEST_DIR/peer-relocate.sh"
	done_with "$DN"
	done_with "$PDN"

	# the peer of publish: tar xzf, skopeo copy --all each image, then
	# the bundle's config blob, config manifest and index with curl
	fresh
	rm -rf "$TEST_DIR/x"
	mkdir -p "$TEST_DIR/x"
	cat >"$TEST_DIR/peer-publish.sh" <<-EOF
		set -e
		tar -xzf "$ARCH" -C "$TEST_DIR/x"
		i=0
		for r in $(echo $REFS); do
			i=\$((i + 1))
			skopeo --policy "$ITEST_POLICY" copy -q --all \
				--dest-tls-verify=false \
				"oci:$TEST_DIR/x/artifacts/layout:\$r" \
				"docker://$D/bench/app:image\$i"
		done
		b=$TEST_DIR/x/bundle.json
		loc=\$(curl -sS -X POST -D - -o /dev/null \
			"http://$D/v2/bench/app/blobs/uploads/" |
			tr -d '\r' | sed -n 's/^[Ll]ocation: //p')
		curl -sS -f -X PUT --data-binary @"\$b" \
			-H 'Content-Type: application/octet-stream' \
			"\$loc&digest=sha256:\$(sha256sum <"\$b" | cut -d' ' -f1)" >/dev/null
		curl -sS -f -X PUT --data-binary @"$TEST_DIR/cm.json" \
			-H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
			"http://$D/v2/bench/app/manifests/sha256:\$(sha256sum <"$TEST_DIR/cm.json" | cut -d' ' -f1)"
		curl -sS -f -X PUT --data-binary @"$TEST_DIR/ix.json" \
			-H 'Content-Type: application/vnd.oci.image.index.v1+json' \
			"http://$D/v2/bench/app/manifests/1"
	EOF
	if [ "$rep" = 1 ]; then
		# the bundle objects the peer pushes, as ours wrote them
		"$P" -q --insecure-registry "$S" -a "$ARCH" --tag "$S/bench/app:1" \
			>/dev/null
		sk_inspect --raw "docker://$S/bench/app:1" >"$TEST_DIR/ix.json"
		cm=$(jq -r '.manifests[0].digest' "$TEST_DIR/ix.json")
		curl -sS -H "Accept: application/vnd.oci.image.manifest.v1+json" \
			"http://$S/v2/bench/app/manifests/$cm" >"$TEST_DIR/cm.json"
	fi
	timed peer-publish bash "$TEST_DIR/peer-publish.sh"
	done_with "$DN"
done

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
fi

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}'; }
pub=$(secs publish)
peerpub=$(secs peer-publish)
arc=$(secs archive)
peerarc=$(secs peer-archive)
floor=$(secs floor)
repub=$(secs republish)
sizeo=$(secs size-ours)
sizet=$(secs size-tarczf)
{
	echo
	echo "cnab-tools benchmark: $(numfmt --to=iec "$SIZE") bundle, 3 images, 40 layers," \
		"medians of $REPS, $(nproc) cores, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)," \
		"registry storage on $(stat -f -c %T "${ITEST_REG_STORAGE:-$TEST_DIR}")"
	echo
	echo "| measure | ours | peer | ratio | target |"
	echo "|---|---|---|---|---|"
	echo "| publish vs tar xzf + skopeo copy --all | ${pub}s | ${peerpub}s | $(ratio "$pub" "$peerpub") | <= 0.5 |"
	echo "| publish vs the floor (gzip -dc \| sha256sum) | ${pub}s | ${floor}s | $(ratio "$pub" "$floor") | <= 1.5 |"
	echo "| archive -r vs skopeo copy --all + tar czf | ${arc}s | ${peerarc}s | $(ratio "$arc" "$peerarc") | <= 0.5 |"
	echo "| relocate vs skopeo copy --all, registry to registry | $(secs relocate)s | $(secs peer-relocate)s | $(ratio "$(secs relocate)" "$(secs peer-relocate)") | |"
	echo "| archive size vs tar czf | $sizeo B | $sizet B | $(ratio "$sizeo" "$sizet") | <= 1.01 |"
	echo "| re-publish vs publish (no blob bytes sent) | ${repub}s | ${pub}s | $(ratio "$repub" "$pub") | <= 0.05 |"
	echo "| inspect -a, $(numfmt --to=iec "$SIZE") | $(secs inspect)s | | | < 0.05s |"
	if [ "$BIG" -gt 0 ]; then
		echo "| inspect -a, $(numfmt --to=iec "$BIG") | $(secs inspect-big)s | | | < 0.05s |"
		echo "| peak RSS of publish, $(numfmt --to=iec "$SIZE") / $(numfmt --to=iec "$BIG") | $(rss publish) KB / $(rss publish-big) KB | | $(ratio "$(rss publish-big)" "$(rss publish)") | <= 32 MiB, <= 1.10 |"
		echo "| peak RSS of archive, $(numfmt --to=iec "$SIZE") / $(numfmt --to=iec "$BIG") | $(rss archive) KB / $(rss archive-big) KB | | $(ratio "$(rss archive-big)" "$(rss archive)") | <= 32 MiB, <= 1.10 |"
	fi
} | tee "$top/tests/tmp/bench-results.md"
