# --verify --base with an archive that is not the delta's base: exit 3
$ mkdir x && tar -xzf f/cnab.tgz -C x && jq -c 'del(.images.web)' x/bundle.json >b1.json && cnab-archive -q --layout x/artifacts/layout -f b1.json base.tgz && cnab-archive -q --layout x/artifacts/layout -f x/bundle.json --base base.tgz d.tgz && cnab-inspect --verify -a d.tgz --base f/cnab.tgz
? 3
--- stderr
cnab-inspect: 'f/cnab.tgz' (bundle sha256:be38c9a9f1dd3c866982d8c3edfcc5759284aca898e792405693142cb01fdf2e) is not the base of delta 'd.tgz' (a delta of sha256:61f77513bcf1567896131f1d6cf0f239f2057e0c415b4c004c3cb534104f9738)
