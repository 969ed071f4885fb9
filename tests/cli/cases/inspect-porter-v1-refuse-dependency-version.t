# a dependency naming a repository without a version
$ printf 'schemaVersion: 1.0.1\nname: mybun\nversion: 0.1.0\nregistry: localhost:5000\ndependencies:\n  requires:\n    - name: db\n      bundle:\n        reference: getporter/mysql\n' | cnab-inspect -f -
? 2
--- stderr
cnab-inspect: cannot convert '<stdin>': section 'dependencies.requires.db.bundle': a reference without a tag or digest needs a version
