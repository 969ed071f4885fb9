# a truncated gzip stream
$ cnab-inspect -a f/truncated.tgz
? 3
--- stderr
cnab-inspect: corrupt archive 'f/truncated.tgz': truncated gzip input
