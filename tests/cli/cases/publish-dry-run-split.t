# publish -a NAME.000 reads the set: the same digest as the archive written whole
$ mkdir x && tar -xzf f/cnab.tgz -C x && cnab-archive -q --layout x/artifacts/layout -f x/bundle.json --split-size 5k out.tgz && cnab-archive -q --layout x/artifacts/layout -f x/bundle.json whole.tgz && cnab-publish-archive --dry-run --offline -o json -a out.tgz.000 --tag registry.example.com/acme/fixture:1.0.0 | jq -r .digest && cnab-publish-archive --dry-run --offline -o json -a whole.tgz --tag registry.example.com/acme/fixture:1.0.0 | jq -r .digest
? 0
--- stdout
sha256:cdf1f8008e5aec75a76e9731110e0ed17952f08f677e445bbf4626b038359bb2
sha256:cdf1f8008e5aec75a76e9731110e0ed17952f08f677e445bbf4626b038359bb2
