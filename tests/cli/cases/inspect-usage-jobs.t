# --jobs out of range, as every tool says it (the front end's parser)
$ cnab-inspect -j 33 -r example.com/x/y:1
? 2
--- stderr
cnab-inspect: invalid --jobs '33': use 1 to 32
Try 'cnab-inspect --help' for more information.
