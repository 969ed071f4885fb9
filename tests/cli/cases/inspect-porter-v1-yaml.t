# a v1 manifest in YAML, dependencies v2 (myenv)
$ cnab-inspect -o yaml -f f/porter-v1/manifests/tests/testdata/myenv/porter.yaml
? 0
--- stdout
name: myenv
description: A 'meta' bundle that deploys everything it needs by adding dependencies
version: 0.1.0
invocationImages:
- name: null
  imageType: docker
  image: localhost:5000/myenv:porter-b1619b27d3e514d7a062207188a87e16
  originalImage: localhost:5000/myenv:porter-b1619b27d3e514d7a062207188a87e16
  digest: null
  size: null
  mediaType: null
images: []
porter:
  reference: localhost:5000/myenv:v0.1.0
  tag: v0.1.0
  tagFrom: version
  installerImage: localhost:5000/myenv:porter-b1619b27d3e514d7a062207188a87e16
  guessedTags:
  - image: installer
    tag: porter-b1619b27d3e514d7a062207188a87e16
    why: the installer image exists only after the bundle is built and published
