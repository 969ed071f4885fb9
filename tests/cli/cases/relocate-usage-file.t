# -f takes DEST only
$ cnab-relocate -f f/bundle.json example.com/a/b:1 example.com/c/d:1
? 2
--- stderr
cnab-relocate: give DEST (and no SOURCE with -f)
Try 'cnab-relocate --help' for more information.
