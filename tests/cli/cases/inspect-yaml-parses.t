# -o yaml parses back to what -o json says
$ for s in f/cnab.tgz f/porter.tgz f/cnabgo.tgz; do cnab-inspect -o yaml -a $s | /usr/bin/python3 -c 'import sys, yaml, json; print(json.dumps(yaml.safe_load(sys.stdin), sort_keys=True))' > y.json; cnab-inspect -o json -a $s | jq -cS . > j.json; jq -cS . y.json | cmp - j.json && echo "$s: same"; done
? 0
--- stdout
f/cnab.tgz: same
f/porter.tgz: same
f/cnabgo.tgz: same
