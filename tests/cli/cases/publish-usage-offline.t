# --offline is a kind of --dry-run
$ cnab-publish-archive --offline -a f/cnab.tgz --tag registry.example.com/acme/fixture:1.0.0
? 2
--- stderr
cnab-publish-archive: --offline goes with --dry-run
Try 'cnab-publish-archive --help' for more information.
