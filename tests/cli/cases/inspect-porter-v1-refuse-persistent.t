# a persistent parameter that also names its env
$ printf 'schemaVersion: 1.0.1\nname: mybun\nversion: 0.1.0\nregistry: localhost:5000\nparameters:\n  - name: rg\n    type: string\n    persistent: true\n    env: RG\n' | cnab-inspect -f -
? 2
--- stderr
cnab-inspect: cannot convert '<stdin>': section 'parameters.rg': persistent cannot go with path, env or applyTo
