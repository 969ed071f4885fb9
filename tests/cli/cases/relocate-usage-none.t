# SOURCE and DEST are needed
$ cnab-relocate example.com/a/b:1
? 2
--- stderr
cnab-relocate: give SOURCE and DEST, or -f FILE and DEST
Try 'cnab-relocate --help' for more information.
