# the entries of an archive in their documented order (README "Layout of an archive", cnab-archive(5)): bundle.json, relocation-mapping.json, the layout's directories, oci-layout, index.json, then the blobs sorted by digest
$ mkdir x && tar -xzf f/cnab.tgz -C x && cnab-archive -q --layout x/artifacts/layout -f x/bundle.json out.tgz && tar -tzf out.tgz >list && cat list && grep 'blobs/sha256/.' list | LC_ALL=C sort -c && echo "blobs sorted by digest"
? 0
--- stdout
bundle.json
relocation-mapping.json
artifacts/
artifacts/layout/
artifacts/layout/blobs/
artifacts/layout/blobs/sha256/
artifacts/layout/oci-layout
artifacts/layout/index.json
artifacts/layout/blobs/sha256/00cb69773cbb6556b24309e9bba8eba8e1472a7856dd1f4979e0475278127c97
artifacts/layout/blobs/sha256/0f75c21f6a75170423676219888a544faedf4a357f9d34b346091bc77a308a0d
artifacts/layout/blobs/sha256/10c46e89e9133e941632d941789bd6db1387b284ada4be11765bff2a8775992b
artifacts/layout/blobs/sha256/310ad9ab4a0349b3ea3c3d3fefcfaba857b1788cb2de7ace39d31723811b79ff
artifacts/layout/blobs/sha256/36279f1a23bf1f4dd960ba2448fbb337f50e29142dc1f6adb8d8b7c951ec4d19
artifacts/layout/blobs/sha256/600ca96df4886bf0e379030d36be4e60c656b275498306a9c792d44a57ed6b72
artifacts/layout/blobs/sha256/640df3f89ea52d932bcbf89b15108c180ed6f7ec4852e89952ada9d6ec8769ea
artifacts/layout/blobs/sha256/83a2b566ceb4baa14c11fb676fb58008b933a50f8be74c5fc0304776b1672b2c
artifacts/layout/blobs/sha256/b8bd8229439b6aaa88d514c0e433f0956253ed9e7a23d4bb11bbbab2d13ccce6
artifacts/layout/blobs/sha256/d201704b48700bec768f4727ba4eaa68701dfc0e84d3056d259ba6c3f89e9cde
artifacts/layout/blobs/sha256/e59d680acf6ba932967b052bd2f9d2e9682470aedcd3b556ce861521059f7f11
artifacts/layout/blobs/sha256/e978b00e109ff52917d0bf00da26da3919b2f3c6346203621c06b66372dc6433
blobs sorted by digest
