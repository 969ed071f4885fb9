# a default JSON cannot hold
$ printf 'schemaVersion: 1.0.1\nname: mybun\nversion: 0.1.0\nregistry: localhost:5000\nparameters:\n  - name: n\n    type: number\n    default: .inf\n' | cnab-inspect -f -
? 2
--- stderr
cnab-inspect: cannot convert '<stdin>': field 'parameters.n': number '.inf' not representable in JSON
