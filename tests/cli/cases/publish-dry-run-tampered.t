# --dry-run reads every blob: a tampered one is exit 3
$ cnab-publish-archive --dry-run --offline -a f/tampered.tgz --tag registry.example.com/acme/fixture:1.0.0
? 3
--- stderr
cnab-publish-archive: digest mismatch for 'f/tampered.tgz:artifacts/layout/blobs/sha256/310ad9ab4a0349b3ea3c3d3fefcfaba857b1788cb2de7ace39d31723811b79ff': content is sha256:2b6481b2d8af6f9c518c958a469a13ce898b68fe46ed29bdc95fe6b4d7c373d4, expected sha256:310ad9ab4a0349b3ea3c3d3fefcfaba857b1788cb2de7ace39d31723811b79ff
