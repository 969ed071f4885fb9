# an archive path through a file: exit 1 (only a missing file is exit 4)
$ cnab-publish-archive -a f/cnab.tgz/x --tag 127.0.0.1:9/acme/app:1
? 1
--- stderr
cnab-publish-archive: cannot open 'f/cnab.tgz/x': Not a directory
