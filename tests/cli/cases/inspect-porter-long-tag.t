# a porter.yaml image whose tag does not fit is refused, not read as :latest
$ printf 'name: n\nversion: 1\ntag: x/y:1\nimages:\n  web:\n    repository: x/web\n    tag: %s\n' "$(head -c 9000 /dev/zero | tr '\0' a)" | cnab-inspect -f -
? 2
--- stderr
cnab-inspect: invalid '<stdin>': image 'web': field 'tag' is too long (image reference over 8192 bytes)
