# a delta of a bundle against its own archive leaves out every layer and nothing else: each manifest and config is still there, and the delta verifies
$ mkdir x && tar -xzf f/cnab.tgz -C x && cnab-archive -q --layout x/artifacts/layout -f x/bundle.json --base f/cnab.tgz d.tgz && tar -xzOf d.tgz delta.json | jq '.omitted | length' && tar -tzf d.tgz | grep -c blobs/sha256/. && cnab-inspect --verify -a d.tgz >/dev/null
? 0
--- stdout
6
6
--- stderr
cnab-inspect: verified 'd.tgz': 3 images, 12 objects
