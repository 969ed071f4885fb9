# a --jobs that an int would wrap to 1 is refused, not taken as 1
$ cnab-archive -j 4294967297 -f f/bundle.json out.tgz
? 2
--- stderr
cnab-archive: invalid --jobs '4294967297': use 1 to 32
Try 'cnab-archive --help' for more information.
