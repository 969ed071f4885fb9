# --help prints the usage on stdout
$ cnab-archive --help
? 0
--- stdout
usage: cnab-archive [options] (-f FILE | -r REF) ARCHIVE

Writes a bundle and every image it names into one deterministic
thick bundle archive (a .tgz; - for stdout).

  -f, --file FILE       a bundle.json or porter.yaml (- for stdin)
  -r, --ref REF         a published bundle, by tag or digest; its
                        images are taken from its own repository
                        (alias --reference)
  -j, --jobs N          blobs downloaded at once, 1 to 32 (default 8)
      --layout DIR      take images from this OCI image layout
                        (repeatable); no registry unless:
      --fallback-registry
                        look for images not in the layouts in
                        registries too
      --no-attachments  leave out signatures, attestations, SBOMs
                        and other referrers of the images and of
                        the bundle (-r)
  -o, --output FORMAT   plain (default) or json: what was archived,
                        on stdout (not with ARCHIVE -)
      --compression LEVEL
                        gzip level 0-9 for what compresses (default 6)
      --split-size SIZE
                        write ARCHIVE.000, ARCHIVE.001, ... of SIZE
                        bytes each (k, M, G: powers of 1000; Ki,
                        Mi, Gi: of 1024); joined, the archive
      --base BASE       write a delta: leave out the layers BASE
                        holds (a thick archive file, or a
                        published bundle by tag or digest)

Common options:
  -h, --help                  show this help and exit
      --version               show versions and exit
  -q, --quiet                 no progress, notes or warnings
  -v, --verbose               a line per registry request
      --insecure-registry HOST[:PORT]
                              plain HTTP or unverified TLS for HOST
      --authfile FILE         registry credentials (default: where
                              podman, skopeo and docker log in)
      --cert-dir DIR          CA and client certificates for TLS
      --timeout SECONDS       give up connecting, or waiting for a
                              byte, after SECONDS (default:
                              $CNAB_STALL_TIMEOUT, else 30)

Exit codes: 0 success, 1 failure, 2 usage error or invalid input,
3 integrity failure, 4 not found.
