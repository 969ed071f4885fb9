# --verify: a blob named by something other than a digest
$ cnab-inspect --verify -a f/bad-blob-name.tgz
? 3
--- stderr
cnab-inspect: corrupt archive 'f/bad-blob-name.tgz': blob name 'artifacts/layout/blobs/sha256/xyz' is not a digest
