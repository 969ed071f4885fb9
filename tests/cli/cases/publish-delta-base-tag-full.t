# --base-tag with a whole archive: a usage error, found before the first blob (so before any write)
$ cnab-publish-archive --dry-run --offline --base-tag 127.0.0.1:9/acme/app:0 -a f/cnab.tgz --tag 127.0.0.1:9/acme/app:1
? 2
--- stderr
cnab-publish-archive: --base-tag goes with a delta archive, and 'f/cnab.tgz' is a whole one
