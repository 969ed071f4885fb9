# -o json of an archive made offline from an OCI layout (--layout); the archive verifies and keeps bundle.json
$ mkdir x && tar -xzf f/cnab.tgz -C x && cnab-archive -q -o json --layout x/artifacts/layout -f x/bundle.json out.tgz && cnab-inspect -q --verify -a out.tgz >/dev/null && cnab-inspect --raw -a out.tgz | cmp - x/bundle.json && echo same
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
      "image": "example.com/fixture/installer@sha256:10c46e89e9133e941632d941789bd6db1387b284ada4be11765bff2a8775992b",
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
      "image": "postgres@sha256:e978b00e109ff52917d0bf00da26da3919b2f3c6346203621c06b66372dc6433",
      "originalImage": "docker.io/library/postgres@sha256:e978b00e109ff52917d0bf00da26da3919b2f3c6346203621c06b66372dc6433",
      "digest": "sha256:e978b00e109ff52917d0bf00da26da3919b2f3c6346203621c06b66372dc6433",
      "size": 424,
      "mediaType": "application/vnd.docker.distribution.manifest.v2+json"
    },
    {
      "name": "web",
      "imageType": "oci",
      "image": "example.com/fixture/web@sha256:00cb69773cbb6556b24309e9bba8eba8e1472a7856dd1f4979e0475278127c97",
      "originalImage": "example.com/fixture/web:2.1",
      "digest": "sha256:00cb69773cbb6556b24309e9bba8eba8e1472a7856dd1f4979e0475278127c97",
      "size": 655,
      "mediaType": "application/vnd.oci.image.manifest.v1+json"
    }
  ],
  "archive": "out.tgz",
  "objects": 12,
  "bytes": 20339,
  "attachments": 0
}
same
