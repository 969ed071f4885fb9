# --dry-run of a cnab-go archive fills in what bundle.json lacks
$ cnab-publish-archive --dry-run --offline -a f/cnabgo.tgz --tag registry.example.com/acme/fixture:1.0.0
? 0
--- stdout
Dry run: nothing was written.
Would push bundle tag registry.example.com/acme/fixture:1.0.0, with digest "sha256:cdf1f8008e5aec75a76e9731110e0ed17952f08f677e445bbf4626b038359bb2"
  example.com/fixture/installer:1.0.0 -> registry.example.com/acme/fixture@sha256:10c46e89e9133e941632d941789bd6db1387b284ada4be11765bff2a8775992b
  docker.io/library/postgres@sha256:e978b00e109ff52917d0bf00da26da3919b2f3c6346203621c06b66372dc6433 -> registry.example.com/acme/fixture@sha256:e978b00e109ff52917d0bf00da26da3919b2f3c6346203621c06b66372dc6433
  example.com/fixture/web:2.1 -> registry.example.com/acme/fixture@sha256:00cb69773cbb6556b24309e9bba8eba8e1472a7856dd1f4979e0475278127c97
--- stderr
cnab-publish-archive: warning: bundle.json in 'f/cnabgo.tgz' lacks the digest, size or media type of some images: publishing it with them filled in
