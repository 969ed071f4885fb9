# --key with -a: signatures are looked for in a registry only
$ cnab-inspect --verify --key cosign.pub -a f/cnab.tgz
? 2
--- stderr
cnab-inspect: --key needs --verify and -r REF: signatures are checked in a registry
Try 'cnab-inspect --help' for more information.
