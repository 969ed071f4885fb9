# --key checks signatures with the rest of --verify only
$ cnab-inspect --key cosign.pub -r 127.0.0.1:1/app:1
? 2
--- stderr
cnab-inspect: --key goes with --verify: signatures are checked with the rest
Try 'cnab-inspect --help' for more information.
