# an invalid -r reference is a usage error
$ cnab-inspect -r UPPER/case:1
? 2
--- stderr
cnab-inspect: invalid reference 'UPPER/case:1': invalid reference format: repository name must be lowercase
Try 'cnab-inspect --help' for more information.
