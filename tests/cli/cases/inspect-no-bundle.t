# an archive without bundle.json
$ cnab-inspect -a f/no-bundle.tgz
? 3
--- stderr
cnab-inspect: corrupt archive 'f/no-bundle.tgz': no bundle.json
