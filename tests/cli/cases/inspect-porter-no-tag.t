# a porter.yaml without tag
$ cnab-inspect -f f/no-tag.yaml
? 2
--- stderr
cnab-inspect: invalid 'f/no-tag.yaml': missing field 'tag'
