# a parameter key that is not JSON Schema: never dropped
$ printf 'schemaVersion: 1.0.1\nname: mybun\nversion: 0.1.0\nregistry: localhost:5000\nparameters:\n  - name: p\n    secret: true\n' | cnab-inspect -f -
? 2
--- stderr
cnab-inspect: cannot convert '<stdin>': section 'parameters.p.secret' is not supported (not a JSON Schema keyword)
