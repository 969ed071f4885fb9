# -o yaml of a bundle full of control characters parses back to what -o json says
$ printf '%s' '{"schemaVersion":"v1","name":"n\u001b[31mred","version":"1.0\u007f","description":"\u001b]0;owned\u0007\u001b[2J\ttab \u009b1m\nline2\r","invocationImages":[{"image":"a/b:1","imageType":"dock\u001ber"}],"images":{"w\u009bx\ty":{"image":"c/d:2","imageType":"oci","description":"x\u0007"}}}' >b.json && cnab-inspect -o yaml -f b.json | /usr/bin/python3 -c 'import sys, yaml, json; print(json.dumps(yaml.safe_load(sys.stdin), sort_keys=True))' >y.json && cnab-inspect -o json -f b.json | jq -cS . >j.json && jq -cS . y.json | cmp - j.json && echo same
? 0
--- stdout
same
