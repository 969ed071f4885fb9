# publish of a set missing a volume: exit 3 naming it, before anything
$ mkdir x && tar -xzf f/cnab.tgz -C x && cnab-archive -q --layout x/artifacts/layout -f x/bundle.json --split-size 5k out.tgz && rm out.tgz.002 && cnab-publish-archive --dry-run --offline -a out.tgz.000 --tag registry.example.com/acme/fixture:1.0.0
? 3
--- stderr
cnab-publish-archive: missing volume 'out.tgz.002': the set 'out.tgz.000' goes on to volume 3
