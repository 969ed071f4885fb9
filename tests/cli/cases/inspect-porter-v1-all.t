# every porter.yaml of Porter's repository (testdata/porter-v1) is read
$ n=0; for f in $(find -L f/porter-v1/manifests -name porter.yaml | sort); do cnab-inspect -f "$f" >/dev/null && n=$((n + 1)); done; echo "$n accepted"
? 0
--- stdout
53 accepted
