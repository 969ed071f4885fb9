# --base NAME.000: a base written in volumes is read as the set; the delta is the one made against the base written whole (cmp); inspect --verify --base takes the set too
$ mkdir x && tar -xzf f/cnab.tgz -C x && jq -c 'del(.images.web)' x/bundle.json >b1.json && cnab-archive -q --layout x/artifacts/layout -f b1.json base.tgz && cnab-archive -q --layout x/artifacts/layout -f b1.json --split-size 2k vb.tgz && cnab-archive -q --layout x/artifacts/layout -f x/bundle.json --base base.tgz d1.tgz && cnab-archive -q --layout x/artifacts/layout -f x/bundle.json --base vb.tgz.000 d2.tgz && cmp d1.tgz d2.tgz && echo same && cnab-inspect -q --verify -a d2.tgz --base vb.tgz.000 -o json | jq -c .delta.omitted
? 0
--- stdout
same
3
