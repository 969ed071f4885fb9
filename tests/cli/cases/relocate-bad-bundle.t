# -f with a malformed bundle
$ cnab-relocate -f f/malformed.json example.com/c/d:1
? 2
--- stderr
cnab-relocate: cannot parse 'f/malformed.json': line 2 column 13: unexpected token near '}'
