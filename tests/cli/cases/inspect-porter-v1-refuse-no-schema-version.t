# a v1 manifest (registry) without schemaVersion
$ printf 'name: mybun\nversion: 0.1.0\nregistry: localhost:5000\n' | cnab-inspect -f -
? 2
--- stderr
cnab-inspect: cannot convert '<stdin>': missing field 'schemaVersion'
