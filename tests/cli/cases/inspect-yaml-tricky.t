# -o yaml quotes strings YAML would read otherwise
$ printf '%s' '{"schemaVersion":"v1","name":"yes","version":"1.0","description":"null","invocationImages":[{"image":"a/b:1"}]}' | cnab-inspect -o yaml -f - | /usr/bin/python3 -c 'import sys, yaml; d = yaml.safe_load(sys.stdin); print(repr(d["name"]), repr(d["version"]), repr(d["description"]))'
? 0
--- stdout
'yes' '1.0' 'null'
