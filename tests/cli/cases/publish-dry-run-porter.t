# --dry-run of a Porter archive gives the same digest
$ cnab-publish-archive --dry-run --offline -o json -a f/porter.tgz --tag registry.example.com/acme/fixture:1.0.0
? 0
--- stdout
{
  "name": "fixture",
  "description": "A bundle for the CLI tests",
  "version": "1.0.0",
  "invocationImages": [
    {
      "name": null,
      "imageType": "docker",
      "image": "registry.example.com/acme/fixture@sha256:10c46e89e9133e941632d941789bd6db1387b284ada4be11765bff2a8775992b",
      "originalImage": "example.com/fixture/installer:1.0.0",
      "digest": "sha256:10c46e89e9133e941632d941789bd6db1387b284ada4be11765bff2a8775992b",
      "size": 585,
      "mediaType": "application/vnd.docker.distribution.manifest.v2+json"
    }
  ],
  "images": [
    {
      "name": "db",
      "imageType": "oci",
      "image": "registry.example.com/acme/fixture@sha256:e978b00e109ff52917d0bf00da26da3919b2f3c6346203621c06b66372dc6433",
      "originalImage": "docker.io/library/postgres@sha256:e978b00e109ff52917d0bf00da26da3919b2f3c6346203621c06b66372dc6433",
      "digest": "sha256:e978b00e109ff52917d0bf00da26da3919b2f3c6346203621c06b66372dc6433",
      "size": 424,
      "mediaType": "application/vnd.docker.distribution.manifest.v2+json"
    },
    {
      "name": "web",
      "imageType": "oci",
      "image": "registry.example.com/acme/fixture@sha256:00cb69773cbb6556b24309e9bba8eba8e1472a7856dd1f4979e0475278127c97",
      "originalImage": "example.com/fixture/web:2.1",
      "digest": "sha256:00cb69773cbb6556b24309e9bba8eba8e1472a7856dd1f4979e0475278127c97",
      "size": 655,
      "mediaType": "application/vnd.oci.image.manifest.v1+json"
    }
  ],
  "reference": "registry.example.com/acme/fixture:1.0.0",
  "digest": "sha256:cdf1f8008e5aec75a76e9731110e0ed17952f08f677e445bbf4626b038359bb2",
  "relocationMapping": {
    "example.com/fixture/installer:1.0.0": "registry.example.com/acme/fixture@sha256:10c46e89e9133e941632d941789bd6db1387b284ada4be11765bff2a8775992b",
    "docker.io/library/postgres@sha256:e978b00e109ff52917d0bf00da26da3919b2f3c6346203621c06b66372dc6433": "registry.example.com/acme/fixture@sha256:e978b00e109ff52917d0bf00da26da3919b2f3c6346203621c06b66372dc6433",
    "example.com/fixture/web:2.1": "registry.example.com/acme/fixture@sha256:00cb69773cbb6556b24309e9bba8eba8e1472a7856dd1f4979e0475278127c97"
  },
  "dryRun": true
}
--- stderr
cnab-publish-archive: warning: bundle.json in 'f/porter.tgz' is not in canonical form: publishing its canonical form
