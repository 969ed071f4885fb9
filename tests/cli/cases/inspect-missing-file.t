# a file that does not exist
$ cnab-inspect -f nope.json
? 4
--- stderr
cnab-inspect: cannot open 'nope.json': No such file or directory
