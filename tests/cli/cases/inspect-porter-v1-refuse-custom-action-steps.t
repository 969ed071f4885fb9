# an unknown top-level key that is not a list of steps
$ printf 'schemaVersion: 1.0.1\nname: mybun\nversion: 0.1.0\nregistry: localhost:5000\nboom: loud\n' | cnab-inspect -f -
? 2
--- stderr
cnab-inspect: cannot convert '<stdin>': section 'boom' is not supported (not a list of steps, so not a custom action)
