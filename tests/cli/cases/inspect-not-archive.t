# input that is not an archive
$ echo hello | cnab-inspect -a -
? 3
--- stderr
cnab-inspect: cannot read archive '<stdin>': not a tar or gzipped tar archive
