# --verify --base BASE: the delta and its base checked as a whole
$ mkdir x && tar -xzf f/cnab.tgz -C x && jq -c 'del(.images.web)' x/bundle.json >b1.json && cnab-archive -q --layout x/artifacts/layout -f b1.json base.tgz && cnab-archive -q --layout x/artifacts/layout -f x/bundle.json --base base.tgz d.tgz && cnab-inspect -q --verify -a d.tgz --base base.tgz -o json | jq -c .delta.omitted
? 0
--- stdout
3
