# --raw of the helloworld vector keeps its digest
$ cnab-inspect --raw -f f/helloworld.canonical.json | sha256sum
? 0
--- stdout
e91b9dfcbbb3b88bac94726f276b89de46e4460b55f6e6d6f876e666b150ec5b  -
