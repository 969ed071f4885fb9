# a malformed bundle: exit 2, nothing written
$ cnab-archive -f f/malformed.json out.tgz; echo "exit $?"; ls
? 0
--- stdout
exit 2
f
stderr
stderr.want
stdout
stdout.want
--- stderr
cnab-archive: cannot parse 'f/malformed.json': line 2 column 13: unexpected token near '}'
