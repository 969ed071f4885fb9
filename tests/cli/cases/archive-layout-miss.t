# --layout: an image the layout does not hold is exit 4, naming the layout, the reference looked for and the names the layout holds, with a hint; no registry is asked, no archive
$ mkdir x && tar -xzf f/cnab.tgz -C x && jq '.images.web.image = "example.com/fixture/web:9.9" | del(.images.web.contentDigest)' x/bundle.json >b.json && cnab-archive --layout x/artifacts/layout -f b.json out.tgz; r=$?; test ! -e out.tgz && exit $r
? 4
--- stderr
cnab-archive: image 'example.com/fixture/web:9.9' is not in layout 'x/artifacts/layout', which holds 'example.com/fixture/installer:1.0.0', 'example.com/fixture/installer@sha256:10c46e89e9133e941632d941789bd6db1387b284ada4be11765bff2a8775992b', 'example.com/fixture/web:2.1', 'example.com/fixture/web@sha256:00cb69773cbb6556b24309e9bba8eba8e1472a7856dd1f4979e0475278127c97', 'docker.io/library/postgres@sha256:e978b00e109ff52917d0bf00da26da3919b2f3c6346203621c06b66372dc6433' (--fallback-registry: look in registries too)
