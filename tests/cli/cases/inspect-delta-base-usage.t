# --base goes with --verify -a
$ cnab-inspect -a f/cnab.tgz --base f/cnab.tgz
? 2
--- stderr
cnab-inspect: --base goes with --verify -a DELTA
Try 'cnab-inspect --help' for more information.
