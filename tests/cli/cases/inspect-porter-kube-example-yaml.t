# the seed's kube-example porter.yaml as YAML
$ cnab-inspect -o yaml -f f/kube-example.porter.yaml
? 0
--- stdout
name: kube-example
description: An example Porter bundle using Kubernetes
version: 0.1.0
invocationImages:
- name: null
  imageType: docker
  image: getporter/kubernetes-installer:latest
  originalImage: getporter/kubernetes-installer:latest
  digest: null
  size: null
  mediaType: null
images: []
