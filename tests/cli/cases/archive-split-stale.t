# a set written again with larger volumes: the older volumes beyond the new count are removed, so out.tgz.000 starts one set
$ mkdir x && tar -xzf f/cnab.tgz -C x && cnab-archive -q --layout x/artifacts/layout -f x/bundle.json --split-size 1k out.tgz && ls out.tgz.* | wc -l && cnab-archive -q --layout x/artifacts/layout -f x/bundle.json --split-size 8k out.tgz && ls out.tgz.*
? 0
--- stdout
20
out.tgz.000
out.tgz.001
out.tgz.002
