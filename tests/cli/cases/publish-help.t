# --help prints the usage on stdout
$ cnab-publish-archive --help
? 0
--- stdout
usage: cnab-publish-archive [options] -a ARCHIVE --tag REF

Publishes a thick bundle archive: every image goes into the tag's
repository by digest, then the bundle, in the registry form Porter
and cnab-to-oci read, and the tag last.

  -a, --archive FILE    the thick bundle (.tgz or .tar; - for stdin)
  -t, --tag REF         REGISTRY/REPO:TAG to publish to (alias
                        --reference)
      --force           replace a tag that holds a different bundle
      --relocation-mapping FILE
                        write where each image was published
      --dry-run         verify the archive, look at the tag (read-
                        only) and print the plan; write nothing
      --offline         with --dry-run: no network at all
      --base-tag REF    a delta: mount the blobs it leaves out
                        from REF's repository (the base, as
                        published on the tag's registry)
      --no-attachments  leave out signatures, attestations, SBOMs
                        and other referrers the archive holds
  -j, --jobs N          blobs uploaded at once (default 4; 1: one
                        request at a time)
      --spool SIZE      blobs over 2 MiB held in $TMPDIR at once,
                        to upload them concurrently too (default
                        256Mi; 0: each streamed in turn)
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
