# a template tag never closed
$ printf 'schemaVersion: 1.0.1\nname: mybun\nversion: 0.1.0\nregistry: localhost:5000\ninstall:\n  - exec:\n      command: echo ${ bundle.outputs.msg\n' | cnab-inspect -f -
? 2
--- stderr
cnab-inspect: cannot convert '<stdin>': the manifest: template tag not closed (unmatched '${')
