# control characters are escaped in -o json (DEL and C1 too), and parse back to the same strings
$ printf '%s' '{"schemaVersion":"v1","name":"n\u001b[31mred","version":"1.0\u007f","description":"\u001b]0;owned\u0007\u001b[2J\ttab \u009b1m\nline2\r","invocationImages":[{"image":"a/b:1","imageType":"dock\u001ber"}],"images":{"w\u009bx\ty":{"image":"c/d:2","imageType":"oci","description":"x\u0007"}}}' >b.json && cnab-inspect -o json -f b.json | tee o.json && /usr/bin/python3 -c 'import json; o = json.load(open("o.json")); b = json.load(open("b.json")); print(o["name"] == b["name"], o["description"] == b["description"], o["version"] == b["version"], o["images"][0]["name"] in b["images"])'
? 0
--- stdout
{
  "name": "n\u001B[31mred",
  "description": "\u001B]0;owned\u0007\u001B[2J\ttab \u009B1m\nline2\r",
  "version": "1.0\u007F",
  "invocationImages": [
    {
      "name": null,
      "imageType": "dock\u001Ber",
      "image": "a/b:1",
      "originalImage": "a/b:1",
      "digest": null,
      "size": null,
      "mediaType": null
    }
  ],
  "images": [
    {
      "name": "w\u009Bx\ty",
      "imageType": "oci",
      "image": "c/d:2",
      "originalImage": "c/d:2",
      "digest": null,
      "size": null,
      "mediaType": null,
      "description": "x\u0007"
    }
  ]
}
True True True True
