# --dry-run: the plan of an archive whose ref-name annotation pins the image to one digest but whose descriptor is another image's: exit 3 naming both
$ cnab-publish-archive --dry-run --offline -a f/pin-lie.tgz --tag registry.example.com/acme/fixture:1.0.0
? 3
--- stderr
cnab-publish-archive: digest mismatch for image 'docker.io/library/postgres@sha256:e978b00e109ff52917d0bf00da26da3919b2f3c6346203621c06b66372dc6433' in archive 'f/pin-lie.tgz': pinned to sha256:e978b00e109ff52917d0bf00da26da3919b2f3c6346203621c06b66372dc6433, resolved to sha256:266a0f6688a047482e8f69f9cc0f103f590897e7e4f97e0fa8b52576bb61012e
