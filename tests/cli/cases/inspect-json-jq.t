# -o json pipes into jq
$ cnab-inspect -o json -a f/cnab.tgz | jq -r '.images[] | .name + " " + .digest'
? 0
--- stdout
db sha256:e978b00e109ff52917d0bf00da26da3919b2f3c6346203621c06b66372dc6433
web sha256:00cb69773cbb6556b24309e9bba8eba8e1472a7856dd1f4979e0475278127c97
