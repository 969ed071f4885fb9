# --key checks signatures in a registry, with --verify only
$ cnab-inspect --key cosign.pub -r 127.0.0.1:1/app:1
? 2
--- stderr
cnab-inspect: --key needs --verify and -r REF: signatures are checked in a registry
Try 'cnab-inspect --help' for more information.
