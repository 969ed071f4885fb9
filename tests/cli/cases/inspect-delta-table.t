# cnab-inspect -a DELTA: the table says which base it is a delta of, and how many blobs it leaves out
$ mkdir x && tar -xzf f/cnab.tgz -C x && jq -c 'del(.images.web)' x/bundle.json >b1.json && cnab-archive -q --layout x/artifacts/layout -f b1.json base.tgz && cnab-archive -q --layout x/artifacts/layout -f x/bundle.json --base base.tgz d.tgz && cnab-inspect -a d.tgz
? 0
--- stdout
Name: fixture
Description: A bundle for the CLI tests
Version: 1.0.0
Delta of: sha256:61f77513bcf1567896131f1d6cf0f239f2057e0c415b4c004c3cb534104f9738 (3 blobs left out, 8.8 KiB)

Invocation Images:
Image                                                                                                   Type     Digest                                                                    Original Image
example.com/fixture/installer@sha256:10c46e89e9133e941632d941789bd6db1387b284ada4be11765bff2a8775992b   docker   sha256:10c46e89e9133e941632d941789bd6db1387b284ada4be11765bff2a8775992b   example.com/fixture/installer:1.0.0

Images:
Name   Type   Image                                                                                             Digest                                                                    Original Image
db     oci    postgres@sha256:e978b00e109ff52917d0bf00da26da3919b2f3c6346203621c06b66372dc6433                  sha256:e978b00e109ff52917d0bf00da26da3919b2f3c6346203621c06b66372dc6433   docker.io/library/postgres@sha256:e978b00e109ff52917d0bf00da26da3919b2f3c6346203621c06b66372dc6433
web    oci    example.com/fixture/web@sha256:00cb69773cbb6556b24309e9bba8eba8e1472a7856dd1f4979e0475278127c97   sha256:00cb69773cbb6556b24309e9bba8eba8e1472a7856dd1f4979e0475278127c97   example.com/fixture/web:2.1
