# --verify: a layer the manifest names but the layout lacks
$ cnab-inspect --verify -a f/missing-layer.tgz
? 3
--- stderr
cnab-inspect: blob sha256:d201704b48700bec768f4727ba4eaa68701dfc0e84d3056d259ba6c3f89e9cde of image 'example.com/fixture/web:2.1' is missing from archive 'f/missing-layer.tgz'
