# --base NAME.000 with a volume missing from the set: exit 3 naming it, no delta written
$ mkdir x && tar -xzf f/cnab.tgz -C x && jq -c 'del(.images.web)' x/bundle.json >b1.json && cnab-archive -q --layout x/artifacts/layout -f b1.json --split-size 2k vb.tgz && rm vb.tgz.001 && cnab-archive -q --layout x/artifacts/layout -f x/bundle.json --base vb.tgz.000 d.tgz; echo "rc $?"; test -e d.tgz || echo "no delta"
? 0
--- stdout
rc 3
no delta
--- stderr
cnab-archive: missing volume 'vb.tgz.001': the set 'vb.tgz.000' goes on to volume 5
