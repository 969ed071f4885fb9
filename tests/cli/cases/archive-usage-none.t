# no bundle is a usage error
$ cnab-archive out.tgz
? 2
--- stderr
cnab-archive: give the bundle with one of -f FILE or -r REF
Try 'cnab-archive --help' for more information.
