# --raw -o yaml prints bundle.json itself as YAML, keys in canonical order,
# which reads back as the same document
$ cnab-inspect --raw -o yaml -f f/pretty.json > b.yaml && cat b.yaml && python3 -c 'import json, sys, yaml; a = yaml.safe_load(open("b.yaml")); b = json.load(open("f/bundle.json")); sys.exit(a != b)' && echo same
? 0
--- stdout
custom:
  com.example.kept:
    unknown:
    - 1
    - 2.5
    - x
description: A bundle for the CLI tests
images:
  db:
    contentDigest: sha256:e978b00e109ff52917d0bf00da26da3919b2f3c6346203621c06b66372dc6433
    description: component db
    image: docker.io/library/postgres@sha256:e978b00e109ff52917d0bf00da26da3919b2f3c6346203621c06b66372dc6433
    imageType: oci
    mediaType: application/vnd.docker.distribution.manifest.v2+json
    size: 424
  web:
    contentDigest: sha256:00cb69773cbb6556b24309e9bba8eba8e1472a7856dd1f4979e0475278127c97
    description: component web
    image: example.com/fixture/web:2.1
    imageType: oci
    mediaType: application/vnd.oci.image.manifest.v1+json
    size: 655
invocationImages:
- contentDigest: sha256:10c46e89e9133e941632d941789bd6db1387b284ada4be11765bff2a8775992b
  image: example.com/fixture/installer:1.0.0
  imageType: docker
  mediaType: application/vnd.docker.distribution.manifest.v2+json
  size: 585
name: fixture
schemaVersion: v1.2.0
version: 1.0.0
same
