# -o json has the documented keys, in the documented order: the bundle's at
# the top level, each image the shared object (as cnab-inspect shows it),
# then archive, objects, bytes and attachments; each image is where the
# archive holds it
$ mkdir x && tar -xzf f/cnab.tgz -C x && cnab-archive -q -o json --layout x/artifacts/layout -f x/bundle.json out.tgz > a.json && jq -c '[keys_unsorted, ([.invocationImages[], .images[]] | map(keys_unsorted) | unique)]' a.json && cnab-inspect -o json -a out.tgz > i.json && jq -e --slurpfile i i.json '[.invocationImages[], .images[]] == [$i[0] | .invocationImages[], (.images[] | del(.description))]' a.json
? 0
--- stdout
[["name","description","version","invocationImages","images","archive","objects","bytes","attachments"],[["name","imageType","image","originalImage","digest","size","mediaType"]]]
true
