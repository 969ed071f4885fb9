# --split-size 4Ki: powers of 1024 with Ki, Mi, Gi; the volumes join into the whole archive
$ mkdir x && tar -xzf f/cnab.tgz -C x && cnab-archive -q --layout x/artifacts/layout -f x/bundle.json whole.tgz && cnab-archive -q --layout x/artifacts/layout -f x/bundle.json --split-size 4Ki out.tgz && wc -c out.tgz* && cat out.tgz.0* | cmp - whole.tgz && echo same
? 0
--- stdout
 4096 out.tgz.000
 4096 out.tgz.001
 4096 out.tgz.002
 4096 out.tgz.003
 3460 out.tgz.004
19844 total
same
