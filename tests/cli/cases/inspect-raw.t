# --raw prints canonical bundle.json: the same bytes as the canonical file
$ cnab-inspect --raw -f f/pretty.json | cmp - f/bundle.json && echo same
? 0
--- stdout
same
