# --verify --key -a: an archive whose images are not signed (it holds no
# attachments) fails, one line per image; the bundle's index, made when
# it is published, is not checked
$ cnab-inspect --verify --key f/cosign/cosign.pub -a f/cnab.tgz
? 3
--- stderr
cnab-inspect: verified 'f/cnab.tgz': 3 images, 12 objects
cnab-inspect: cannot verify signature of 'example.com/fixture/installer@sha256:10c46e89e9133e941632d941789bd6db1387b284ada4be11765bff2a8775992b' (invocation image 0): no signature (no 'sha256-10c46e89e9133e941632d941789bd6db1387b284ada4be11765bff2a8775992b.sig' in archive 'f/cnab.tgz')
cnab-inspect: cannot verify signature of 'docker.io/library/postgres@sha256:e978b00e109ff52917d0bf00da26da3919b2f3c6346203621c06b66372dc6433' (image 'db'): no signature (no 'sha256-e978b00e109ff52917d0bf00da26da3919b2f3c6346203621c06b66372dc6433.sig' in archive 'f/cnab.tgz')
cnab-inspect: cannot verify signature of 'example.com/fixture/web@sha256:00cb69773cbb6556b24309e9bba8eba8e1472a7856dd1f4979e0475278127c97' (image 'web'): no signature (no 'sha256-00cb69773cbb6556b24309e9bba8eba8e1472a7856dd1f4979e0475278127c97.sig' in archive 'f/cnab.tgz')
cnab-inspect: the bundle's own signature is not checked: nothing in archive 'f/cnab.tgz' is attached to its index (it has one once published)
cnab-inspect: cannot verify signatures of 'f/cnab.tgz': 3 of 3 not verified
