# a dependency key Porter does not know
$ printf 'schemaVersion: 1.0.1\nname: mybun\nversion: 0.1.0\nregistry: localhost:5000\ndependencies:\n  requires:\n    - name: db\n      bundle:\n        reference: getporter/mysql:v0.1.0\n      installationName: db\n' | cnab-inspect -f -
? 2
--- stderr
cnab-inspect: cannot convert '<stdin>': section 'dependencies.requires.db.installationName' is not supported (unknown key)
