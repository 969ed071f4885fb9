# --dry-run --offline of a delta: the archive verifies, the blobs it leaves out are not looked for (no network)
$ mkdir x && tar -xzf f/cnab.tgz -C x && jq -c 'del(.images.web)' x/bundle.json >b1.json && cnab-archive -q --layout x/artifacts/layout -f b1.json base.tgz && cnab-archive -q --layout x/artifacts/layout -f x/bundle.json --base base.tgz d.tgz && cnab-publish-archive --dry-run --offline -a d.tgz --tag 127.0.0.1:9/acme/app:1
? 0
--- stdout
Dry run: nothing was written.
Would push bundle tag 127.0.0.1:9/acme/app:1, with digest "sha256:cdf1f8008e5aec75a76e9731110e0ed17952f08f677e445bbf4626b038359bb2"
  example.com/fixture/installer:1.0.0 -> 127.0.0.1:9/acme/app@sha256:10c46e89e9133e941632d941789bd6db1387b284ada4be11765bff2a8775992b
  docker.io/library/postgres@sha256:e978b00e109ff52917d0bf00da26da3919b2f3c6346203621c06b66372dc6433 -> 127.0.0.1:9/acme/app@sha256:e978b00e109ff52917d0bf00da26da3919b2f3c6346203621c06b66372dc6433
  example.com/fixture/web:2.1 -> 127.0.0.1:9/acme/app@sha256:00cb69773cbb6556b24309e9bba8eba8e1472a7856dd1f4979e0475278127c97
