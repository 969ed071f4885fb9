#!/bin/bash
# make demo: the README's flow, end to end, on a loopback registry: archive
# a bundle and its images, publish the archive, inspect the published
# bundle, and archive it again from the registry.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
export ITEST_TMP=$top/demo
# the test harness starts and always stops the registry
. "$top/tests/integration/lib.sh"
PATH=$top:$PATH

show() { printf '\n$ %s\n' "$*" >&2; "$@"; }

step "a loopback registry with a bundle's images in it"
reg_start plain reg
R=$(_rv reg HOST)
fixture_image reg example/installer v1.0.0 --layers 2 --size 256K >/dev/null
fixture_image reg example/web 2.1 --format oci --layers 3 --size 128K >/dev/null
fixture_index reg example/multiarch 1.0 --size 64K >/dev/null
cat >"$TEST_DIR/porter.yaml" <<YAML
name: demo
version: 1.0.0
description: "The README's demo bundle"
tag: $R/example/demo:v1.0.0
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
cat "$TEST_DIR/porter.yaml" >&2
cd "$TEST_DIR"
I="--insecure-registry $R"

step "archive the bundle and every image it names"
# shellcheck disable=SC2086
show cnab-archive $I -f porter.yaml demo.tgz
show cnab-inspect --verify -a demo.tgz

step "publish the archive to a tag"
# shellcheck disable=SC2086
show cnab-publish-archive $I -a demo.tgz --tag "$R/acme/demo:v1.0.0"

step "inspect the published bundle: images now live in its repository"
# shellcheck disable=SC2086
show cnab-inspect $I -r "$R/acme/demo:v1.0.0"

step "archive it again from the registry: the same bytes"
# shellcheck disable=SC2086
show cnab-archive $I -r "$R/acme/demo:v1.0.0" again.tgz
show cmp demo.tgz again.tgz
echo "demo.tgz and again.tgz are identical" >&2

step "relocate it to another repository (blobs are mounted)"
# shellcheck disable=SC2086
show cnab-relocate $I "$R/acme/demo:v1.0.0" "$R/mirror/demo"

printf '\ndemo: ok\n' >&2
