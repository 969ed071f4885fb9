# a typo of a long option gets a hint
$ cnab-inspect --refrence example.com/a/b:1
? 2
--- stderr
cnab-inspect: unknown option '--refrence': did you mean '--reference'?
Try 'cnab-inspect --help' for more information.
