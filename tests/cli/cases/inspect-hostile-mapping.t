# an error quoting a relocation mapping shows its control characters escaped
$ printf '%s' '{"a/b:1":"x/y\u001b]0;t\u0007"}' >m.json && cnab-inspect -f f/bundle.json --relocation-mapping m.json
? 2
--- stderr
cnab-inspect: invalid 'm.json': 'a/b:1': invalid reference 'x/y\x1b]0;t\x07': invalid reference format
