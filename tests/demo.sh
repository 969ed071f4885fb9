#!/bin/sh
# make demo: the README's flow, end to end, on this machine.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
demo="$top/demo"
rm -rf "$demo"
mkdir -p "$demo"
PATH="$top:$PATH"

step() { printf '\n==> %s\n' "$*"; }

step "making a sample thick bundle archive (demo/sample.tgz)"
python3 "$top/tests/tools/mkfixtures.py" "$demo/fixtures" >/dev/null
cp "$demo/fixtures/cnab.tgz" "$demo/sample.tgz"

step "cnab-inspect -a demo/sample.tgz"
cnab-inspect -a "$demo/sample.tgz"

step "cnab-inspect --verify -o json -a demo/sample.tgz"
cnab-inspect --verify -o json -a "$demo/sample.tgz"

step "cnab-inspect -f testdata/spring-music.porter.yaml"
cnab-inspect -f "$top/testdata/spring-music.porter.yaml"

printf '\ndemo: ok\n'
