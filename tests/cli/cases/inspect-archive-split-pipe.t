# the volumes joined by cat are the archive: -a - reads them from a pipe
$ mkdir x && tar -xzf f/cnab.tgz -C x && cnab-archive -q --layout x/artifacts/layout -f x/bundle.json --split-size 5k out.tgz && cat out.tgz.0* | cnab-inspect --verify -o json -a - | jq -r .name
? 0
--- stdout
fixture
--- stderr
cnab-inspect: verified '<stdin>': 3 images, 12 objects
