# --tag is required
$ cnab-publish-archive -a f/cnab.tgz
? 2
--- stderr
cnab-publish-archive: give the destination with --tag REGISTRY/REPO:TAG
Try 'cnab-publish-archive --help' for more information.
