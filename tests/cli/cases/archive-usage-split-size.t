# --split-size refuses 0, garbage, a size under 1k, one that overflows, and a unit it does not know (exit 2, nothing written)
$ for s in 0 abc 999 1x 5kB 99999999999999999999 18446744073709551615G ''; do cnab-archive -f f/bundle.json --split-size "$s" out.tgz; echo "rc=$?"; done; echo "files: $(ls | grep -c "^out\.tgz")"
? 0
--- stdout
rc=2
rc=2
rc=2
rc=2
rc=2
rc=2
rc=2
rc=2
files: 0
--- stderr
cnab-archive: --split-size '0' is too small: 1k (1000 bytes) at least
Try 'cnab-archive --help' for more information.
cnab-archive: invalid --split-size 'abc': give bytes, with k, M, G (powers of 1000) or Ki, Mi, Gi (of 1024)
Try 'cnab-archive --help' for more information.
cnab-archive: --split-size '999' is too small: 1k (1000 bytes) at least
Try 'cnab-archive --help' for more information.
cnab-archive: invalid --split-size '1x': give bytes, with k, M, G (powers of 1000) or Ki, Mi, Gi (of 1024)
Try 'cnab-archive --help' for more information.
cnab-archive: invalid --split-size '5kB': give bytes, with k, M, G (powers of 1000) or Ki, Mi, Gi (of 1024)
Try 'cnab-archive --help' for more information.
cnab-archive: --split-size '99999999999999999999' is too large
Try 'cnab-archive --help' for more information.
cnab-archive: --split-size '18446744073709551615G' is too large
Try 'cnab-archive --help' for more information.
cnab-archive: invalid --split-size '': give bytes, with k, M, G (powers of 1000) or Ki, Mi, Gi (of 1024)
Try 'cnab-archive --help' for more information.
