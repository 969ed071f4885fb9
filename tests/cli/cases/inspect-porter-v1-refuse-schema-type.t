# a schemaType that is not Bundle
$ printf 'schemaType: Dependency\nschemaVersion: 1.0.1\nname: mybun\nversion: 0.1.0\nregistry: localhost:5000\n' | cnab-inspect -f -
? 2
--- stderr
cnab-inspect: cannot convert '<stdin>': schemaType 'Dependency' is not Bundle
