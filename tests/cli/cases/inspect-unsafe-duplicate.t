# unsafe entry: duplicate
$ cnab-inspect -a f/unsafe-duplicate.tgz
? 3
--- stderr
cnab-inspect: unsafe entry 'bundle.json' in archive 'f/unsafe-duplicate.tgz': duplicate entry
