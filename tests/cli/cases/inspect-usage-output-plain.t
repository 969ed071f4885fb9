# inspect takes table, json or yaml: plain is another tool's format
$ cnab-inspect -o plain -f f/bundle.json
? 2
--- stderr
cnab-inspect: invalid output format 'plain': use table, json or yaml
Try 'cnab-inspect --help' for more information.
