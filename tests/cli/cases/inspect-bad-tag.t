# an invalid tag in an image reference
$ cnab-inspect -f f/bad-tag.json
? 2
--- stderr
cnab-inspect: invalid 'f/bad-tag.json': invocation image 0: invalid reference 'example.com/x:bad tag': invalid reference format
