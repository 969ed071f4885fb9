# --verify on a cnab-go archive
$ cnab-inspect --verify -o json -a f/cnabgo.tgz
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
      "image": "example.com/fixture/installer:1.0.0",
      "originalImage": "example.com/fixture/installer:1.0.0",
      "digest": "sha256:10c46e89e9133e941632d941789bd6db1387b284ada4be11765bff2a8775992b",
      "size": null,
      "mediaType": null
    }
  ],
  "images": [
    {
      "name": "db",
      "imageType": "oci",
      "image": "docker.io/library/postgres@sha256:e978b00e109ff52917d0bf00da26da3919b2f3c6346203621c06b66372dc6433",
      "originalImage": "docker.io/library/postgres@sha256:e978b00e109ff52917d0bf00da26da3919b2f3c6346203621c06b66372dc6433",
      "digest": "sha256:e978b00e109ff52917d0bf00da26da3919b2f3c6346203621c06b66372dc6433",
      "size": null,
      "mediaType": null,
      "description": "component db"
    },
    {
      "name": "web",
      "imageType": "oci",
      "image": "example.com/fixture/web:2.1",
      "originalImage": "example.com/fixture/web:2.1",
      "digest": "sha256:00cb69773cbb6556b24309e9bba8eba8e1472a7856dd1f4979e0475278127c97",
      "size": null,
      "mediaType": null,
      "description": "component web"
    }
  ]
}
--- stderr
cnab-inspect: verified 'f/cnabgo.tgz': 3 images, 12 objects
