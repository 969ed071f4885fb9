# --dry-run: an unsafe archive is exit 3
$ cnab-publish-archive --dry-run --offline -a f/unsafe-dotdot.tgz --tag registry.example.com/acme/fixture:1.0.0
? 3
--- stderr
cnab-publish-archive: unsafe entry '../evil' in archive 'f/unsafe-dotdot.tgz': name contains '..'
