# a delta given as the base by mistake: exit 3, nothing written
$ mkdir x && tar -xzf f/cnab.tgz -C x && cnab-archive -q --layout x/artifacts/layout -f x/bundle.json --base f/cnab.tgz d.tgz && cnab-archive --layout x/artifacts/layout -f x/bundle.json --base d.tgz d2.tgz; echo "exit $?"; ls *.tgz*
? 0
--- stdout
exit 3
d.tgz
--- stderr
cnab-archive: base 'd.tgz' is a delta archive, not a thick archive: the 6 blobs it leaves out are missing (give the whole archive)
