# an error quoting a bundle field shows its control characters escaped
$ printf '%s' '{"schemaVersion":"v1","name":"n","version":"1.0","invocationImages":[{"image":"a/b:1\u001b[2J\u009b\t","imageType":"docker"}]}' >b.json && cnab-inspect -f b.json
? 2
--- stderr
cnab-inspect: invalid 'b.json': invocation image 0: invalid reference 'a/b:1\x1b[2J\u009b\t': invalid reference format
