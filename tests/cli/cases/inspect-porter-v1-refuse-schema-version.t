# a schemaVersion Porter has not defined yet
$ printf 'schemaVersion: 2.0.0\nname: mybun\nversion: 0.1.0\nregistry: localhost:5000\n' | cnab-inspect -f -
? 2
--- stderr
cnab-inspect: cannot convert '<stdin>': schemaVersion '2.0.0' is not supported (1.0.0 to 1.3.x are)
