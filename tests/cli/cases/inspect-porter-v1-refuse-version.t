# a version that is not semantic
$ printf 'schemaVersion: 1.0.1\nname: mybun\nversion: 1.x\nregistry: localhost:5000\n' | cnab-inspect -f -
? 2
--- stderr
cnab-inspect: cannot convert '<stdin>': version '1.x' is not a semantic version
