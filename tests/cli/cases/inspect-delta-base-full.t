# --base with a whole archive given to -a: a usage error
$ cnab-inspect --verify -a f/cnab.tgz --base f/cnab.tgz
? 2
--- stderr
cnab-inspect: --base goes with a delta archive, and 'f/cnab.tgz' is a whole one
