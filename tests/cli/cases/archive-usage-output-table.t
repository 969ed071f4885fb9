# archive takes plain or json: table is another tool's format
$ cnab-archive -o table -f f/bundle.json out.tgz
? 2
--- stderr
cnab-archive: invalid output format 'table': use plain or json
Try 'cnab-archive --help' for more information.
