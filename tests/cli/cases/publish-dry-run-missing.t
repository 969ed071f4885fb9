# --dry-run: an image missing from the layout is exit 3
$ cnab-publish-archive --dry-run --offline -a f/missing-layer.tgz --tag registry.example.com/acme/fixture:1.0.0
? 3
--- stderr
cnab-publish-archive: blob sha256:d201704b48700bec768f4727ba4eaa68701dfc0e84d3056d259ba6c3f89e9cde of image 'example.com/fixture/web:2.1' is missing from archive 'f/missing-layer.tgz'
