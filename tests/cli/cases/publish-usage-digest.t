# --tag with a digest is refused
$ cnab-publish-archive -a f/cnab.tgz --tag example.com/a/b@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
? 2
--- stderr
cnab-publish-archive: invalid --tag: 'example.com/a/b@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' must name a tag (REGISTRY/REPO:TAG), not a digest: the digest is what publishing makes
Try 'cnab-publish-archive --help' for more information.
