# no ARCHIVE is a usage error
$ cnab-archive -f f/bundle.json
? 2
--- stderr
cnab-archive: give the ARCHIVE to write (- for stdout)
Try 'cnab-archive --help' for more information.
