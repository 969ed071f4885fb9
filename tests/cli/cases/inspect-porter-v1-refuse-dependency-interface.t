# an interface with both a reference and a document
$ printf 'schemaVersion: 1.0.1\nname: mybun\nversion: 0.1.0\nregistry: localhost:5000\ndependencies:\n  requires:\n    - name: db\n      bundle:\n        reference: getporter/mysql:v0.1.0\n        interface:\n          reference: getporter/mysql-iface:v1\n          document:\n            outputs:\n              - name: connstr\n' | cnab-inspect -f -
? 2
--- stderr
cnab-inspect: cannot convert '<stdin>': section 'dependencies.requires.db.bundle.interface': a reference or a document, not both
