# an archive that does not exist
$ cnab-inspect -a nope.tgz
? 4
--- stderr
cnab-inspect: cannot open 'nope.tgz': No such file or directory
