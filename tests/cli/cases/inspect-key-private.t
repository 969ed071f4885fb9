# the private key given for the public one: refused before any request
$ printf -- '-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\neyJrZGYiOnt9fQ==\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n' >cosign.key && cnab-inspect --verify --key cosign.key -r 127.0.0.1:1/app:1
? 2
--- stderr
cnab-inspect: cannot use key 'cosign.key': a private key, not the public key
