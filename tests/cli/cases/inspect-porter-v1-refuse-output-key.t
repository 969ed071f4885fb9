# an output key that is not JSON Schema
$ printf 'schemaVersion: 1.0.1\nname: mybun\nversion: 0.1.0\nregistry: localhost:5000\noutputs:\n  - name: o\n    env: O\n' | cnab-inspect -f -
? 2
--- stderr
cnab-inspect: cannot convert '<stdin>': section 'outputs.o.env' is not supported (not a JSON Schema keyword)
