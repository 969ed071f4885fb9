# unsafe entry: absolute
$ cnab-inspect -a f/unsafe-absolute.tgz
? 3
--- stderr
cnab-inspect: unsafe entry '/etc/evil' in archive 'f/unsafe-absolute.tgz': absolute name
