# an image size that is not a size in bytes
$ printf 'schemaVersion: 1.0.1\nname: mybun\nversion: 0.1.0\nregistry: localhost:5000\nimages:\n  web:\n    repository: nginx\n    size: -1\n' | cnab-inspect -f -
? 2
--- stderr
cnab-inspect: cannot convert '<stdin>': field 'images.web.size' must be a size in bytes
