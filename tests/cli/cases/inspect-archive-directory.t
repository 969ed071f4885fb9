# an archive path that is a directory: exit 1, not 'not found'
$ cnab-inspect -a f
? 1
--- stderr
cnab-inspect: cannot open 'f': Is a directory
