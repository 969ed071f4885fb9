# -o json has the documented keys, in the documented order, the same in
# -o yaml: the bundle's at the top level, each image one shared object
# (components add their description); digest, size and mediaType are null
# when unknown, never ""
$ for f in f/cnab.tgz f/cnabgo.tgz; do cnab-inspect -o json -a $f | jq -c '[keys_unsorted, (.invocationImages | map(keys_unsorted) | unique), (.images | map(keys_unsorted) | unique)]'; done; cnab-inspect -o yaml -f f/kube-example.porter.yaml | python3 -c 'import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin)["invocationImages"][0], sort_keys=False))'
? 0
--- stdout
[["name","description","version","invocationImages","images"],[["name","imageType","image","originalImage","digest","size","mediaType"]],[["name","imageType","image","originalImage","digest","size","mediaType","description"]]]
[["name","description","version","invocationImages","images"],[["name","imageType","image","originalImage","digest","size","mediaType"]],[["name","imageType","image","originalImage","digest","size","mediaType","description"]]]
{"name": null, "imageType": "docker", "image": "getporter/kubernetes-installer:latest", "originalImage": "getporter/kubernetes-installer:latest", "digest": null, "size": null, "mediaType": null}
