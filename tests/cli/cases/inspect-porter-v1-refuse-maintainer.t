# a maintainer key Porter does not know
$ printf 'schemaVersion: 1.0.1\nname: mybun\nversion: 0.1.0\nregistry: localhost:5000\nmaintainers:\n  - name: Jo\n    phone: 555\n' | cnab-inspect -f -
? 2
--- stderr
cnab-inspect: cannot convert '<stdin>': section 'maintainers.phone' is not supported (unknown key)
