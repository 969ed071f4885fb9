# a bundle without version
$ cnab-inspect -f f/no-version.json
? 2
--- stderr
cnab-inspect: invalid 'f/no-version.json': missing field 'version'
