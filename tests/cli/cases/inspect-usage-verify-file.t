# --verify with -f is a usage error
$ cnab-inspect --verify -f f/bundle.json
? 2
--- stderr
cnab-inspect: --verify needs -a ARCHIVE or -r REF: a bundle file holds no content to verify
Try 'cnab-inspect --help' for more information.
