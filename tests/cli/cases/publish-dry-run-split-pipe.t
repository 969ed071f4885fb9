# cat NAME.0* | publish -a -: the volumes joined are the archive
$ mkdir x && tar -xzf f/cnab.tgz -C x && cnab-archive -q --layout x/artifacts/layout -f x/bundle.json --split-size 5k out.tgz && cat out.tgz.0* | cnab-publish-archive --dry-run --offline -o json -a - --tag registry.example.com/acme/fixture:1.0.0 | jq -r .digest
? 0
--- stdout
sha256:cdf1f8008e5aec75a76e9731110e0ed17952f08f677e445bbf4626b038359bb2
