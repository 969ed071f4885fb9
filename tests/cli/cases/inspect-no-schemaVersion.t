# a bundle without schemaVersion
$ cnab-inspect -f f/no-schemaVersion.json
? 2
--- stderr
cnab-inspect: invalid 'f/no-schemaVersion.json': missing field 'schemaVersion'
