# porter.yaml anchors and aliases are capped (libyaml's loader takes time quadratic in their number): 4 MiB of anchors is refused at once
$ python3 -c 'import sys; sys.stdout.write("".join("k%d: &a%d v\n" % (i, i) for i in range(200000)))' >a.yaml && timeout 20 cnab-archive -f a.yaml out.tgz; r=$?; test ! -e out.tgz && exit $r
? 2
--- stderr
cnab-archive: cannot parse 'a.yaml': line 1025 column 8: more than 1024 anchors and aliases
