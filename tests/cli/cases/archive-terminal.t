# an archive is never written to a terminal
$ script -qec 'cnab-archive -f f/bundle.json -' /dev/null | tr -d '\r'
? 2
--- stdout
cnab-archive: refusing to write an archive to a terminal
Try 'cnab-archive --help' for more information.
