# control characters are escaped in -o yaml (libyaml double-quotes such strings)
$ printf '%s' '{"schemaVersion":"v1","name":"n\u001b[31mred","version":"1.0\u007f","description":"\u001b]0;owned\u0007\u001b[2J\ttab \u009b1m\nline2\r","invocationImages":[{"image":"a/b:1","imageType":"dock\u001ber"}],"images":{"w\u009bx\ty":{"image":"c/d:2","imageType":"oci","description":"x\u0007"}}}' >b.json && cnab-inspect -o yaml -f b.json
? 0
--- stdout
name: "n\e[31mred"
description: "\e]0;owned\a\e[2J\ttab \x9B1m\nline2\r"
version: "1.0\x7F"
invocationImages:
- name: null
  imageType: "dock\eer"
  image: a/b:1
  originalImage: a/b:1
  digest: null
  size: null
  mediaType: null
images:
- name: "w\x9Bx\ty"
  imageType: oci
  image: c/d:2
  originalImage: c/d:2
  digest: null
  size: null
  mediaType: null
  description: "x\a"
