# the seed's kube-example porter.yaml as YAML
$ cnab-inspect -o yaml -f f/kube-example.porter.yaml
? 0
--- stdout
name: kube-example
description: An example Porter bundle using Kubernetes
version: 0.1.0
invocationImages:
- imageType: docker
  image: getporter/kubernetes-installer:latest
  digest: ""
  originalImage: getporter/kubernetes-installer:latest
images: []
