# -o json has the documented keys, in the documented order: the bundle's at
# the top level, each image the shared object, where it will be, then
# reference, digest, relocationMapping (and dryRun); --offline: no plan
$ cnab-publish-archive --dry-run --offline -o json -a f/cnab.tgz --tag registry.example.com/acme/fixture:1.0.0 | jq -c '[keys_unsorted, ([.invocationImages[], .images[]] | map(keys_unsorted) | unique), ([.invocationImages[], .images[]] | map(.image == $ARGS.named.repo + "@" + .digest) | unique)]' --arg repo registry.example.com/acme/fixture
? 0
--- stdout
[["name","description","version","invocationImages","images","reference","digest","relocationMapping","dryRun"],[["name","imageType","image","originalImage","digest","size","mediaType"]],[true]]
