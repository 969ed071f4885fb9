# cnab-inspect -a DELTA -o json and -o yaml: a delta object (base, omitted, omittedBytes)
$ mkdir x && tar -xzf f/cnab.tgz -C x && jq -c 'del(.images.web)' x/bundle.json >b1.json && cnab-archive -q --layout x/artifacts/layout -f b1.json base.tgz && cnab-archive -q --layout x/artifacts/layout -f x/bundle.json --base base.tgz d.tgz && cnab-inspect -a d.tgz -o json | jq -c .delta && cnab-inspect -a d.tgz -o yaml | grep -A3 '^delta:'
? 0
--- stdout
{"base":"sha256:61f77513bcf1567896131f1d6cf0f239f2057e0c415b4c004c3cb534104f9738","omitted":3,"omittedBytes":9000}
delta:
  base: sha256:61f77513bcf1567896131f1d6cf0f239f2057e0c415b4c004c3cb534104f9738
  omitted: 3
  omittedBytes: 9000
