# --ver is no option: both options it begins are named
$ cnab-inspect --ver
? 2
--- stderr
cnab-inspect: unknown option '--ver': did you mean '--version', '--verbose' or '--verify'?
Try 'cnab-inspect --help' for more information.
