# --reference is -r, as in Porter
$ cnab-archive --reference 'Example.com/UPPER/Case:1' out.tgz
? 2
--- stderr
cnab-archive: invalid reference 'Example.com/UPPER/Case:1': invalid reference format: repository name must be lowercase
