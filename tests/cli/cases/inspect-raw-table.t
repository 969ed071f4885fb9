# --raw with -o table is refused: bundle.json is JSON or YAML
$ cnab-inspect --raw -o table -f f/bundle.json
? 2
--- stderr
cnab-inspect: --raw prints JSON or YAML, not a table
Try 'cnab-inspect --help' for more information.
