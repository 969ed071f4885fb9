# --jobs out of range
$ cnab-relocate --jobs 0 example.com/a/b:1 example.com/c/d:1
? 2
--- stderr
cnab-relocate: invalid --jobs '0': use 1 to 32
Try 'cnab-relocate --help' for more information.
