# a dependencies key Porter does not know
$ printf 'schemaVersion: 1.0.1\nname: mybun\nversion: 0.1.0\nregistry: localhost:5000\ndependencies:\n  optional:\n    - name: db\n' | cnab-inspect -f -
? 2
--- stderr
cnab-inspect: cannot convert '<stdin>': section 'dependencies.optional' is not supported (unknown key)
