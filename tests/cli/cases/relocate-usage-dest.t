# a DEST with a digest is refused
$ cnab-relocate example.com/a/b:1 example.com/c/d@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
? 2
--- stderr
cnab-relocate: invalid DEST: 'example.com/c/d@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' must name a tag (REGISTRY/REPO:TAG), not a digest: the digest is what publishing makes
Try 'cnab-relocate --help' for more information.
