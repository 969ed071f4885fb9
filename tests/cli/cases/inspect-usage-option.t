# an unknown option is a usage error
$ cnab-inspect --frobnicate
? 2
--- stderr
cnab-inspect: unknown option '--frobnicate'
Try 'cnab-inspect --help' for more information.
