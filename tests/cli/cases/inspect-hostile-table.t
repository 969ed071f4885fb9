# control characters in fields are shown escaped (a tab kept in the description), never sent to the terminal
$ printf '%s' '{"schemaVersion":"v1","name":"n\u001b[31mred","version":"1.0\u007f","description":"\u001b]0;owned\u0007\u001b[2J\ttab \u009b1m\nline2\r","invocationImages":[{"image":"a/b:1","imageType":"dock\u001ber"}],"images":{"w\u009bx\ty":{"image":"c/d:2","imageType":"oci","description":"x\u0007"}}}' >b.json && cnab-inspect -f b.json
? 0
--- stdout
Name: n\x1b[31mred
Description: \x1b]0;owned\x07\x1b[2J	tab \u009b1m\nline2\r
Version: 1.0\x7f

Invocation Images:
Image   Type         Digest   Original Image
a/b:1   dock\x1ber            a/b:1

Images:
Name          Type   Image   Digest   Original Image
w\u009bx\ty   oci    c/d:2            c/d:2
