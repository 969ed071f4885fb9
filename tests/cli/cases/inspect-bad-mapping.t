# a relocation mapping with an invalid reference
$ cnab-inspect -f f/bundle.json --relocation-mapping f/bad-mapping.json
? 2
--- stderr
cnab-inspect: invalid 'f/bad-mapping.json': 'a/b:1': invalid reference 'Not A Ref': invalid reference format: repository name must be lowercase
