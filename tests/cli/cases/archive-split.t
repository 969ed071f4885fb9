# --split-size 5k: volumes out.tgz.000 to .003 of 5000 bytes but the last, whose concatenation is the archive written whole (cmp)
$ mkdir x && tar -xzf f/cnab.tgz -C x && cnab-archive -q --layout x/artifacts/layout -f x/bundle.json whole.tgz && cnab-archive --layout x/artifacts/layout -f x/bundle.json --split-size 5k out.tgz && wc -c out.tgz* && cat out.tgz.0* | cmp - whole.tgz && echo same
? 0
--- stdout
 5000 out.tgz.000
 5000 out.tgz.001
 5000 out.tgz.002
 4844 out.tgz.003
19844 total
same
--- stderr
cnab-archive: archived 3 images and 0 attachments (12 objects) to 4 volumes, 'out.tgz.000' to 'out.tgz.003'
