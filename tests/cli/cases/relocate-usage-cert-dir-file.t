# --cert-dir must be a directory
$ cnab-relocate --cert-dir f/bundle.json 127.0.0.1:1/a:1 127.0.0.1:1/b:1
? 2
--- stderr
cnab-relocate: cannot use --cert-dir 'f/bundle.json': Not a directory
Try 'cnab-relocate --help' for more information.
