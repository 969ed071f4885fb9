# --layout --fallback-registry: an image not in the layout is looked for in its own registry (here a closed loopback port: exit 1, naming it)
$ mkdir x && tar -xzf f/cnab.tgz -C x && jq '.images.web.image = "127.0.0.1:9/fixture/web:9.9" | del(.images.web.contentDigest)' x/bundle.json >b.json && cnab-archive --fallback-registry --layout x/artifacts/layout -f b.json out.tgz 2>err; r=$?; grep -o "cannot reach registry '127.0.0.1:9'" err; test ! -e out.tgz && exit $r
? 1
--- stdout
cannot reach registry '127.0.0.1:9'
