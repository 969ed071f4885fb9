# the last volume lost: the archive ends early (exit 3), naming the volume it ends in
$ mkdir x && tar -xzf f/cnab.tgz -C x && cnab-archive -q --layout x/artifacts/layout -f x/bundle.json --split-size 5k out.tgz && rm out.tgz.003 && cnab-inspect --verify -a out.tgz.000
? 3
--- stderr
cnab-inspect: corrupt archive 'out.tgz.000': truncated gzip input (read to the end of its last volume 'out.tgz.002')
