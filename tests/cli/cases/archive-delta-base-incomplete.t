# a base missing a layer its images need is not a thick archive: exit 3
$ mkdir x && tar -xzf f/cnab.tgz -C x && cnab-archive --layout x/artifacts/layout -f x/bundle.json --base f/missing-layer.tgz out.tgz; echo "exit $?"; ls *.tgz*
? 2
--- stdout
exit 3
--- stderr
cnab-archive: base 'f/missing-layer.tgz' is not a thick archive: blob sha256:d201704b48700bec768f4727ba4eaa68701dfc0e84d3056d259ba6c3f89e9cde of image 'example.com/fixture/web:2.1' is missing from archive 'f/missing-layer.tgz'
ls: cannot access '*.tgz*': No such file or directory
