#!/bin/bash
# tests/tools/compare-builds.sh OLD_BIN_DIR [NEW_BIN_DIR]: show that a change
# leaves archive bytes and published index digests as they were.
#
# OLD_BIN_DIR holds the four tools built from the code before the change
# (e.g. `git worktree add /tmp/old HEAD~1 && make -C /tmp/old` then
# /tmp/old); NEW_BIN_DIR defaults to the repository's root.  On the same
# inputs, both builds:
#   - archive each offline fixture (tests/tools/mkfixtures.py: the
#     cnab-archive, Porter v1 and cnab-go styles) from its layout with
#     --layout, at gzip levels 0, 6 and 9, with SOURCE_DATE_EPOCH, and to
#     stdout: the archives must be the same bytes (cmp);
#   - on one loopback registry (tests/integration/lib.sh): archive a
#     porter.yaml bundle (a Docker image, an OCI image, a two-platform
#     index), publish each build's archive to its own tag, relocate it,
#     and archive it back: the archives must be the same bytes and every
#     index digest the same.
# Prints one line per comparison and "compare-builds: N same, M different";
# exits 1 when any differs.
set -eu
[ "$#" -ge 1 ] || { echo "usage: $0 OLD_BIN_DIR [NEW_BIN_DIR]" >&2; exit 2; }
OLD=$(cd "$1" && pwd)
top=$(cd "$(dirname "$0")/../.." && pwd)
NEW=$(cd "${2:-$top}" && pwd)
export ITEST_TMP=$top/tests/tmp/compare
. "$top/tests/integration/lib.sh"

same=0
diff=0
check() { # LABEL FILE1 FILE2 or LABEL --eq A B
	local label=$1
	if [ "$2" = --eq ]; then
		if [ "$3" = "$4" ]; then
			echo "same      $label: $3"
			same=$((same + 1))
		else
			echo "DIFFERENT $label: old $3, new $4"
			diff=$((diff + 1))
		fi
	elif cmp -s "$2" "$3"; then
		echo "same      $label: $(sha256sum <"$2" | cut -c1-16) ($(stat -c %s "$2") B)"
		same=$((same + 1))
	else
		echo "DIFFERENT $label"
		diff=$((diff + 1))
	fi
}

step "offline fixtures"
python3 "$top/tests/tools/mkfixtures.py" "$TEST_DIR/fix" >/dev/null
for style in cnab porter cnabgo; do
	x=$TEST_DIR/x-$style
	mkdir -p "$x"
	tar -xzf "$TEST_DIR/fix/$style.tgz" -C "$x"
	lay=$x/artifacts/layout
	for level in 0 6 9; do
		for b in old new; do
			bin=$OLD
			[ "$b" = new ] && bin=$NEW
			"$bin/cnab-archive" -q --compression "$level" --layout "$lay" \
				-f "$x/bundle.json" "$TEST_DIR/$style-$level.$b.tgz"
		done
		check "$style.tgz level $level" "$TEST_DIR/$style-$level.old.tgz" \
			"$TEST_DIR/$style-$level.new.tgz"
	done
	for b in old new; do
		bin=$OLD
		[ "$b" = new ] && bin=$NEW
		SOURCE_DATE_EPOCH=1700000000 "$bin/cnab-archive" -q --layout "$lay" \
			-f "$x/bundle.json" - >"$TEST_DIR/$style-sde.$b.tgz"
	done
	check "$style.tgz SOURCE_DATE_EPOCH, stdout" "$TEST_DIR/$style-sde.old.tgz" \
		"$TEST_DIR/$style-sde.new.tgz"
done

step "a loopback registry"
reg_start plain reg
R=$(_rv reg HOST)
fixture_image reg example/installer v1.0.0 --layers 2 --size 256K >/dev/null
fixture_image reg example/web 2.1 --format oci --layers 3 --size 128K >/dev/null
fixture_index reg example/multiarch 1.0 --size 64K >/dev/null
cat >"$TEST_DIR/porter.yaml" <<YAML
name: compare
version: 1.0.0
description: "compare-builds: <b> & \"quotes\""
tag: $R/example/compare:v1.0.0
invocationImage: $R/example/installer:v1.0.0
images:
  web:
    description: "the web front end"
    imageType: oci
    repository: $R/example/web
    tag: "2.1"
  multiarch:
    description: "an image for two platforms"
    repository: $R/example/multiarch
    tag: "1.0"
YAML
I="--insecure-registry $R"
for b in old new; do
	bin=$OLD
	[ "$b" = new ] && bin=$NEW
	# shellcheck disable=SC2086
	"$bin/cnab-archive" -q $I -f "$TEST_DIR/porter.yaml" "$TEST_DIR/reg.$b.tgz"
done
check "archive -f porter.yaml (registry)" "$TEST_DIR/reg.old.tgz" "$TEST_DIR/reg.new.tgz"
for what in reg cnab-0 cnab-6 porter-6 cnabgo-6; do
	case $what in
	reg) arch_old=$TEST_DIR/reg.old.tgz arch_new=$TEST_DIR/reg.new.tgz ;;
	*) arch_old=$TEST_DIR/$what.old.tgz arch_new=$TEST_DIR/$what.new.tgz ;;
	esac
	# shellcheck disable=SC2086
	d_old=$("$OLD/cnab-publish-archive" -q $I -a "$arch_old" \
		--tag "$R/old/$what:v1" -o json | jq -r .digest)
	# shellcheck disable=SC2086
	d_new=$("$NEW/cnab-publish-archive" -q $I -a "$arch_new" \
		--tag "$R/new/$what:v1" -o json | jq -r .digest)
	check "publish $what: index digest" --eq "$d_old" "$d_new"
	# shellcheck disable=SC2086
	"$OLD/cnab-archive" -q $I -r "$R/old/$what:v1" "$TEST_DIR/back-$what.old.tgz"
	# shellcheck disable=SC2086
	"$NEW/cnab-archive" -q $I -r "$R/new/$what:v1" "$TEST_DIR/back-$what.new.tgz"
	check "archive -r of the published $what" "$TEST_DIR/back-$what.old.tgz" \
		"$TEST_DIR/back-$what.new.tgz"
	# shellcheck disable=SC2086
	r_old=$("$OLD/cnab-relocate" -q $I -o json "$R/old/$what:v1" \
		"$R/old-moved/$what" | jq -r .digest)
	# shellcheck disable=SC2086
	r_new=$("$NEW/cnab-relocate" -q $I -o json "$R/new/$what:v1" \
		"$R/new-moved/$what" | jq -r .digest)
	check "relocate $what: index digest" --eq "$r_old" "$r_new"
done

echo "compare-builds: $same same, $diff different"
[ "$diff" -eq 0 ]
