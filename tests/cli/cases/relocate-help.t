# --help prints the usage on stdout
$ cnab-relocate --help
? 0
--- stdout
usage: cnab-relocate [options] (SOURCE | -f FILE) DEST

Copies a bundle and every image it names into DEST's repository,
registry to registry, and pushes the bundle there.

  SOURCE                a published bundle, by tag or digest
  -f, --file FILE       a bundle.json or porter.yaml instead; its
                        images are taken from where it names them
  DEST                  REGISTRY/REPO[:TAG] (default tag: SOURCE's,
                        else the bundle's version)
  -j, --jobs N          blobs copied at once (default 8)
      --force           replace a tag that holds a different bundle
      --relocation-mapping FILE
                        write where each image was copied to
      --dry-run         read DEST (read-only) and show the plan;
                        write nothing
      --offline         with --dry-run: ask nothing of DEST
      --no-attachments  leave out signatures, attestations, SBOMs
                        and other referrers
  -o, --output FORMAT   plain (default) or json

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
