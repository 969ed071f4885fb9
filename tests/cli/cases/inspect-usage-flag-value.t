# a value given to an option that takes none
$ cnab-inspect --raw=yes -f f/bundle.json
? 2
--- stderr
cnab-inspect: option '--raw' takes no value
Try 'cnab-inspect --help' for more information.
