# --split-size writes files: ARCHIVE - (stdout) is refused
$ cnab-archive -f f/bundle.json --split-size 1M - | cat
? 2
--- stderr
cnab-archive: --split-size needs an ARCHIVE file: stdout is one stream
Try 'cnab-archive --help' for more information.
