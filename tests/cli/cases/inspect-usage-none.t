# no source is a usage error
$ cnab-inspect
? 2
--- stderr
cnab-inspect: give one of -f FILE, -a ARCHIVE or -r REF
Try 'cnab-inspect --help' for more information.
