# a volume missing inside the set: exit 3, naming it
$ mkdir x && tar -xzf f/cnab.tgz -C x && cnab-archive -q --layout x/artifacts/layout -f x/bundle.json --split-size 5k out.tgz && rm out.tgz.001 && cnab-inspect -a out.tgz.000
? 3
--- stderr
cnab-inspect: missing volume 'out.tgz.001': the set 'out.tgz.000' goes on to volume 3
