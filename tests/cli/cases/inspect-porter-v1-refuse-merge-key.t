# YAML merge keys (libyaml does not expand them)
$ printf 'schemaVersion: 1.0.1\nname: mybun\nversion: 0.1.0\nregistry: localhost:5000\nparameters:\n  - &p\n    name: a\n    type: string\n  - <<: *p\n    name: b\n' | cnab-inspect -f -
? 2
--- stderr
cnab-inspect: cannot convert '<stdin>': section 'parameters.b': YAML merge keys are not supported
