# an extra argument is a usage error
$ cnab-inspect -f f/bundle.json extra
? 2
--- stderr
cnab-inspect: unexpected argument 'extra'
Try 'cnab-inspect --help' for more information.
