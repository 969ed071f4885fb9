# -o json with --split-size: archive is the first volume, volumes how many were written
$ mkdir x && tar -xzf f/cnab.tgz -C x && cnab-archive -q -o json --layout x/artifacts/layout -f x/bundle.json --split-size 5k out.tgz | jq -c '{archive, volumes, objects}'
? 0
--- stdout
{"archive":"out.tgz.000","volumes":4,"objects":12}
