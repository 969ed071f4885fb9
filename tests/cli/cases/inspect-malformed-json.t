# malformed JSON names the line
$ cnab-inspect -f f/malformed.json
? 2
--- stderr
cnab-inspect: cannot parse 'f/malformed.json': line 2 column 13: unexpected token near '}'
