# --reference is -r, as in Porter: two sources
$ cnab-inspect --reference example.com/a/b:1 -f f/bundle.json
? 2
--- stderr
cnab-inspect: give one of -f FILE, -a ARCHIVE or -r REF
Try 'cnab-inspect --help' for more information.
