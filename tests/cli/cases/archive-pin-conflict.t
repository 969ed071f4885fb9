# an image whose reference pins one digest and whose contentDigest is another: exit 3 naming both, before any request
$ cnab-archive -f f/pin-conflict.json out.tgz
? 3
--- stderr
cnab-archive: digest mismatch for image 'docker.io/library/postgres@sha256:e978b00e109ff52917d0bf00da26da3919b2f3c6346203621c06b66372dc6433': pinned to sha256:e978b00e109ff52917d0bf00da26da3919b2f3c6346203621c06b66372dc6433, contentDigest sha256:10c46e89e9133e941632d941789bd6db1387b284ada4be11765bff2a8775992b
