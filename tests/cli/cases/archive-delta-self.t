# a delta of a bundle against its own archive leaves out every layer and nothing else: each manifest and config is still there, and the delta verifies
$ mkdir x && tar -xzf f/cnab.tgz -C x && cnab-archive -q --layout x/artifacts/layout -f x/bundle.json --base f/cnab.tgz d.tgz && tar -xzOf d.tgz delta.json | jq '.omitted | length' && tar -tzf d.tgz | grep -c blobs/sha256/. && cnab-inspect --verify -a d.tgz >/dev/null
? 0
--- stdout
6
6
--- stderr
cnab-inspect: verified 'd.tgz': 3 images, 12 objects
cnab-inspect: a delta of sha256:be38c9a9f1dd3c866982d8c3edfcc5759284aca898e792405693142cb01fdf2e: 6 blobs left out (17.6 KiB), held by its base
cnab-inspect: left out: sha256:0f75c21f6a75170423676219888a544faedf4a357f9d34b346091bc77a308a0d (3000 bytes)
cnab-inspect: left out: sha256:310ad9ab4a0349b3ea3c3d3fefcfaba857b1788cb2de7ace39d31723811b79ff (3000 bytes)
cnab-inspect: left out: sha256:600ca96df4886bf0e379030d36be4e60c656b275498306a9c792d44a57ed6b72 (3000 bytes)
cnab-inspect: left out: sha256:640df3f89ea52d932bcbf89b15108c180ed6f7ec4852e89952ada9d6ec8769ea (3000 bytes)
cnab-inspect: left out: sha256:b8bd8229439b6aaa88d514c0e433f0956253ed9e7a23d4bb11bbbab2d13ccce6 (3000 bytes)
cnab-inspect: left out: sha256:d201704b48700bec768f4727ba4eaa68701dfc0e84d3056d259ba6c3f89e9cde (3000 bytes)
