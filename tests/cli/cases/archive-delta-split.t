# --base and --split-size together: the delta's volumes joined are the delta written whole (cmp)
$ mkdir x && tar -xzf f/cnab.tgz -C x && jq -c 'del(.images.web)' x/bundle.json >b1.json && cnab-archive -q --layout x/artifacts/layout -f b1.json base.tgz && cnab-archive -q --layout x/artifacts/layout -f x/bundle.json --base base.tgz d.tgz && cnab-archive --layout x/artifacts/layout -f x/bundle.json --base base.tgz --split-size 3k s.tgz && cat s.tgz.0* | cmp - d.tgz && echo same && tar -tzf d.tgz | sed -n 2p
? 0
--- stdout
same
delta.json
--- stderr
cnab-archive: archived 3 images and 0 attachments (9 objects) to 4 volumes, 's.tgz.000' to 's.tgz.003'
cnab-archive: a delta of sha256:61f77513bcf1567896131f1d6cf0f239f2057e0c415b4c004c3cb534104f9738: 3 blobs (8.8 KiB) left out, held by 'base.tgz'
