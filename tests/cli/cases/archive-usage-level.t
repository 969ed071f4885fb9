# a compression level out of range
$ cnab-archive --compression 12 -f f/bundle.json out.tgz
? 2
--- stderr
cnab-archive: invalid compression level '12': use 0 to 9
Try 'cnab-archive --help' for more information.
