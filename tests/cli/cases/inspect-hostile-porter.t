# control characters of a porter.yaml are shown escaped
$ printf '%s\n' 'name: "p\e[1m"' 'version: 0.1.0' 'description: "say \e]0;owned\a\e[2J \x9b done\tx"' 'tag: example.com/p:v1' 'images:' '  "w\x9b\e":' '    repository: example.com/w' '    tag: "1"' >porter.yaml && cnab-inspect -f porter.yaml
? 0
--- stdout
Name: p\x1b[1m
Description: say \x1b]0;owned\x07\x1b[2J \u009b done	x
Version: 0.1.0

Invocation Images:
Image                        Type     Digest   Original Image
example.com/p-installer:v1   docker            example.com/p-installer:v1

Images:
Name          Type   Image             Digest   Original Image
w\u009b\x1b   oci    example.com/w:1            example.com/w:1
