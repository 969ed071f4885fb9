# --raw of an archive prints the archived bundle.json
$ cnab-inspect --raw -a f/porter.tgz | sha256sum
? 0
--- stdout
be38c9a9f1dd3c866982d8c3edfcc5759284aca898e792405693142cb01fdf2e  -
