# -o json with ARCHIVE - is a usage error
$ cnab-archive -o json -f f/bundle.json -
? 2
--- stderr
cnab-archive: -o json needs an ARCHIVE file: stdout holds the archive
Try 'cnab-archive --help' for more information.
