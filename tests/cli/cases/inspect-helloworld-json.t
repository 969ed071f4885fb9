# -o json of the cnab-to-oci helloworld bundle
$ cnab-inspect -o json -f f/helloworld.canonical.json
? 0
--- stdout
{
  "name": "helloworld",
  "description": "A short description of your bundle",
  "version": "0.1.1",
  "invocationImages": [
    {
      "name": null,
      "imageType": "docker",
      "image": "cnab/helloworld:0.1.1",
      "originalImage": "cnab/helloworld:0.1.1",
      "digest": "sha256:a59a4e74d9cc89e4e75dfb2cc7ea5c108e4236ba6231b53081a9e2506d1197b6",
      "size": 942,
      "mediaType": "application/vnd.docker.distribution.manifest.v2+json"
    }
  ],
  "images": []
}
