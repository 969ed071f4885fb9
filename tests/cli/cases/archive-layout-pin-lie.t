# --layout: a ref-name annotation pins the image to one digest but its descriptor is another image: exit 3 naming both, no archive
$ mkdir x && tar -xzf f/pin-lie.tgz -C x && cnab-archive --layout x/artifacts/layout -f x/bundle.json out.tgz; r=$?; test ! -e out.tgz && exit $r
? 3
--- stderr
cnab-archive: digest mismatch for image 'docker.io/library/postgres@sha256:e978b00e109ff52917d0bf00da26da3919b2f3c6346203621c06b66372dc6433' in layout 'x/artifacts/layout': pinned to sha256:e978b00e109ff52917d0bf00da26da3919b2f3c6346203621c06b66372dc6433, resolved to sha256:266a0f6688a047482e8f69f9cc0f103f590897e7e4f97e0fa8b52576bb61012e
