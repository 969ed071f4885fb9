# malformed bundle.json inside an archive is corruption
$ cnab-inspect -a f/bad-bundle.tgz
? 3
--- stderr
cnab-inspect: cannot parse 'f/bad-bundle.tgz:bundle.json': line 1 column 9: unexpected token near end of file
