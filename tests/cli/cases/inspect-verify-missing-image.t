# --verify: an image the bundle names but the layout lacks
$ cnab-inspect --verify -a f/missing-image.tgz
? 3
--- stderr
cnab-inspect: manifest sha256:e978b00e109ff52917d0bf00da26da3919b2f3c6346203621c06b66372dc6433 of image 'docker.io/library/postgres@sha256:e978b00e109ff52917d0bf00da26da3919b2f3c6346203621c06b66372dc6433' is missing from archive 'f/missing-image.tgz'
