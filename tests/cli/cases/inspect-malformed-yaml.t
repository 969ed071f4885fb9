# malformed YAML names the line
$ cnab-inspect -f f/malformed.yaml
? 2
--- stderr
cnab-inspect: cannot parse 'f/malformed.yaml': line 3 column 4: did not find expected ',' or ']'
