# a volume other than the first is no archive on its own (exit 3)
$ mkdir x && tar -xzf f/cnab.tgz -C x && cnab-archive -q --layout x/artifacts/layout -f x/bundle.json --split-size 5k out.tgz && cnab-inspect -a out.tgz.001
? 3
--- stderr
cnab-inspect: cannot read archive 'out.tgz.001': not a tar or gzipped tar archive (a volume of a split archive: give its first, 'out.tgz.000')
