# neither registry nor reference
$ printf 'schemaVersion: 1.0.1\nname: mybun\nversion: 0.1.0\n' | cnab-inspect -f -
? 2
--- stderr
cnab-inspect: cannot convert '<stdin>': invalid bundle: a registry or reference value must be provided
