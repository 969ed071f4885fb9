# an image key Porter does not know
$ printf 'schemaVersion: 1.0.1\nname: mybun\nversion: 0.1.0\nregistry: localhost:5000\nimages:\n  app:\n    repository: nginx\n    platform: linux/arm64\n' | cnab-inspect -f -
? 2
--- stderr
cnab-inspect: cannot convert '<stdin>': section 'images.app.platform' is not supported (unknown key)
