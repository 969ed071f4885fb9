# --base BASE.tgz: a delta leaves out the layers the base holds (here the installer's and db's, not web's), writes bundle.json, delta.json second, every manifest and config; delta.json names the base by the sha256 of its bundle.json
$ mkdir x && tar -xzf f/cnab.tgz -C x && jq -c 'del(.images.web)' x/bundle.json >b1.json && cnab-archive -q --layout x/artifacts/layout -f b1.json base.tgz && cnab-archive --layout x/artifacts/layout -f x/bundle.json --base base.tgz -o json d.tgz | jq -c '[.objects, .bytes, .delta]' && tar -tzf d.tgz | sed -n 1,3p && tar -xzOf d.tgz delta.json | jq -c '.base == $b, [.omitted[].size], .schemaVersion' --arg b "sha256:$(tar -xzOf base.tgz bundle.json | sha256sum | cut -d' ' -f1)" && tar -tzf d.tgz | grep -c blobs/sha256/. && tar -tzf f/cnab.tgz | grep -c blobs/sha256/.
? 0
--- stdout
[9,11339,{"base":"sha256:61f77513bcf1567896131f1d6cf0f239f2057e0c415b4c004c3cb534104f9738","omitted":3,"omittedBytes":9000}]
bundle.json
delta.json
relocation-mapping.json
true
[3000,3000,3000]
1
9
12
--- stderr
cnab-archive: archived 3 images and 0 attachments (9 objects) to 'd.tgz'
cnab-archive: a delta of sha256:61f77513bcf1567896131f1d6cf0f239f2057e0c415b4c004c3cb534104f9738: 3 blobs (8.8 KiB) left out, held by 'base.tgz'
