# -a - on a terminal is refused rather than waiting for input
$ script -qec 'cnab-inspect -a -' /dev/null | tr -d '\r'
? 2
--- stdout
cnab-inspect: refusing to read an archive from a terminal
Try 'cnab-inspect --help' for more information.
