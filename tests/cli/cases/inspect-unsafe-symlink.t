# unsafe entry: symlink
$ cnab-inspect -a f/unsafe-symlink.tgz
? 3
--- stderr
cnab-inspect: unsafe entry 'artifacts' in archive 'f/unsafe-symlink.tgz': symbolic link
