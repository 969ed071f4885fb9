# an unknown -o is a usage error
$ cnab-inspect -o xml -f f/bundle.json
? 2
--- stderr
cnab-inspect: invalid output format 'xml': use table, json or yaml
Try 'cnab-inspect --help' for more information.
