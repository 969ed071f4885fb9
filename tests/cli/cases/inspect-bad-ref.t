# an invalid image reference
$ cnab-inspect -f f/bad-ref.json
? 2
--- stderr
cnab-inspect: invalid 'f/bad-ref.json': invocation image 0: invalid reference 'Example.com/UPPER/Case:1': invalid reference format: repository name must be lowercase
