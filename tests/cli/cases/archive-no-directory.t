# the archive's directory does not exist: exit 1, nothing written
$ mkdir x && tar -xzf f/cnab.tgz -C x && cnab-archive -q --layout x/artifacts/layout -f x/bundle.json no/such/out.tgz; echo "exit $?"; test -e no || echo "nothing written"
? 0
--- stdout
exit 1
nothing written
--- stderr
cnab-archive: cannot create 'no/such/out.tgz': No such file or directory
