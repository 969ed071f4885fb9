# unsafe entry: hardlink
$ cnab-inspect -a f/unsafe-hardlink.tgz
? 3
--- stderr
cnab-inspect: unsafe entry 'evil' in archive 'f/unsafe-hardlink.tgz': hard link
