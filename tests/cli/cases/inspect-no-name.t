# a bundle without name
$ cnab-inspect -f f/no-name.json
? 2
--- stderr
cnab-inspect: invalid 'f/no-name.json': missing field 'name'
