# a customActions key Porter does not know
$ printf 'schemaVersion: 1.0.1\nname: mybun\nversion: 0.1.0\nregistry: localhost:5000\ncustomActions:\n  zap:\n    dangerous: true\n' | cnab-inspect -f -
? 2
--- stderr
cnab-inspect: cannot convert '<stdin>': section 'customActions.zap.dangerous' is not supported (unknown key)
