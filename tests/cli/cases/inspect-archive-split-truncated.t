# a volume before the last cut short: exit 3, naming it and the size the others have
$ mkdir x && tar -xzf f/cnab.tgz -C x && cnab-archive -q --layout x/artifacts/layout -f x/bundle.json --split-size 5k out.tgz && truncate -s 4000 out.tgz.002 && cnab-inspect -a out.tgz.000
? 3
--- stderr
cnab-inspect: truncated volume 'out.tgz.002': 4000 bytes, where the volumes of 'out.tgz.000' before the last have 5000
