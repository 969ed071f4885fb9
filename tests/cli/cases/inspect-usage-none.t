# no source is a usage error
$ cnab-inspect
? 2
--- stderr
cnab-inspect: give one of -f FILE or -a ARCHIVE
Try 'cnab-inspect --help' for more information.
