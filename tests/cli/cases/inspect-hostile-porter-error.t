# an error quoting a porter.yaml image name shows its control characters escaped
$ printf '%s\n' 'name: n' 'version: 0.1.0' 'tag: example.com/p:v1' 'images:' '  "w\e]0;t\a":' '    tag: "1"' >porter.yaml && cnab-inspect -f porter.yaml
? 2
--- stderr
cnab-inspect: invalid 'porter.yaml': missing field 'images.w\x1b]0;t\x07.repository'
