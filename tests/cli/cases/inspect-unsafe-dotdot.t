# unsafe entry: dotdot
$ cnab-inspect -a f/unsafe-dotdot.tgz
? 3
--- stderr
cnab-inspect: unsafe entry '../evil' in archive 'f/unsafe-dotdot.tgz': name contains '..'
