# images that are not a mapping
$ printf 'schemaVersion: 1.0.1\nname: mybun\nversion: 0.1.0\nregistry: localhost:5000\nimages:\n  - nginx\n' | cnab-inspect -f -
? 2
--- stderr
cnab-inspect: cannot convert '<stdin>': section 'images' must be a mapping
