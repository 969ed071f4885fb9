# --layout naming a directory that is not a layout
$ cnab-archive --layout f -f f/bundle.json out.tgz
? 4
--- stderr
cnab-archive: 'f' is not an OCI image layout: it has no oci-layout file
