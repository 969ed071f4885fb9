# a base that is not a thick archive: exit 3, before anything is read from a registry or written
$ cnab-archive -f f/bundle.json --base f/bundle.json out.tgz; echo "exit $?"; ls *.tgz*
? 2
--- stdout
exit 3
--- stderr
cnab-archive: base 'f/bundle.json' is not a thick archive: cannot read archive 'f/bundle.json': not a tar or gzipped tar archive
ls: cannot access '*.tgz*': No such file or directory
