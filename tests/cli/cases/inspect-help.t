# --help prints the usage on stdout
$ cnab-inspect --help
? 0
--- stdout
usage: cnab-inspect [options] (-f FILE | -a ARCHIVE | -r REF)

Shows a bundle: its name, version, and the images it names.

  -f, --file FILE       a bundle.json or porter.yaml (- for stdin)
  -a, --archive FILE    a thick bundle archive (.tgz or .tar; - for stdin)
  -r, --ref REF         a published bundle, by tag or digest (alias
                        --reference)
  -j, --jobs N          requests at once with -r (blobs by --verify),
                        1 to 32 (default 8)
  -o, --output FORMAT   table (default), json or yaml
      --raw             print bundle.json itself: canonical JSON,
                        or YAML with -o yaml
      --verify          check every blob and manifest of the archive
                        or registry against its digest, and that
                        every image is whole
      --key FILE        with --verify: also check the cosign
                        signatures of the bundle and of every image
                        with the public key in FILE (ECDSA P-256)
      --relocation-mapping FILE
                        show images as relocated by FILE
      --base BASE       with --verify -a DELTA: check the delta
                        and BASE, its base archive, as a whole

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
