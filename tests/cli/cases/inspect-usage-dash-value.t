# a short option's value never starts with '-' either
$ cnab-inspect -f --raw
? 2
--- stderr
cnab-inspect: option '-f' needs a value, not '--raw'
Try 'cnab-inspect --help' for more information.
