# --tag without a tag is refused
$ cnab-publish-archive -a f/cnab.tgz --tag example.com/a/b
? 2
--- stderr
cnab-publish-archive: invalid --tag: 'example.com/a/b' must name a tag (REGISTRY/REPO:TAG)
Try 'cnab-publish-archive --help' for more information.
