# a bundle without invocationImages
$ cnab-inspect -f f/no-invocationImages.json
? 2
--- stderr
cnab-inspect: invalid 'f/no-invocationImages.json': missing field 'invocationImages'
