# an error of the library quoting a field shows its control characters escaped
$ printf '%s' '{"schemaVersion":"v1","name":"n\u001b[31mred","version":"1.0\u007f","description":"\u001b]0;owned\u0007\u001b[2J\ttab \u009b1m\nline2\r","invocationImages":[{"image":"a/b:1","imageType":"dock\u001ber"}],"images":{"w\u009bx\ty":{"image":"c/d:2","imageType":"oci","description":"x\u0007"}}}' >b.json && cnab-relocate -f b.json 127.0.0.1:1/x/y
? 2
--- stderr
cnab-relocate: cannot relocate invocation image 0 'a/b:1': image type 'dock\x1ber' is not held in registries
