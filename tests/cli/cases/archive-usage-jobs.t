# --jobs out of range
$ cnab-archive --jobs 0 -f f/bundle.json out.tgz
? 2
--- stderr
cnab-archive: invalid --jobs '0': use 1 to 32
Try 'cnab-archive --help' for more information.
