# a file name quoted in a message: its control characters and bytes that are not UTF-8 escaped
$ cnab-inspect -f $'x\xff\x1b]0;t\a'
? 4
--- stderr
cnab-inspect: cannot open 'x\xff\x1b]0;t\x07': No such file or directory
