# --spool refuses garbage, a unit it does not know, and a size that overflows (exit 2, before the archive is opened); 0 and units are taken
$ for s in abc 1x 5kB -1 99999999999999999999 ''; do cnab-publish-archive --spool "$s" -a missing.tgz --tag example.com/a/b:1; echo "rc=$?"; done; for s in 0 512Mi 1G; do cnab-publish-archive --offline --dry-run --spool "$s" -a missing.tgz --tag example.com/a/b:1 2>&1 | grep -c "cannot open"; done; true
? 0
--- stdout
rc=2
rc=2
rc=2
rc=2
rc=2
rc=2
1
1
1
--- stderr
cnab-publish-archive: invalid --spool 'abc': give bytes, with k, M, G (powers of 1000) or Ki, Mi, Gi (of 1024)
Try 'cnab-publish-archive --help' for more information.
cnab-publish-archive: invalid --spool '1x': give bytes, with k, M, G (powers of 1000) or Ki, Mi, Gi (of 1024)
Try 'cnab-publish-archive --help' for more information.
cnab-publish-archive: invalid --spool '5kB': give bytes, with k, M, G (powers of 1000) or Ki, Mi, Gi (of 1024)
Try 'cnab-publish-archive --help' for more information.
cnab-publish-archive: option '--spool' needs a value, not '-1'
Try 'cnab-publish-archive --help' for more information.
cnab-publish-archive: --spool '99999999999999999999' is too large
Try 'cnab-publish-archive --help' for more information.
cnab-publish-archive: invalid --spool '': give bytes, with k, M, G (powers of 1000) or Ki, Mi, Gi (of 1024)
Try 'cnab-publish-archive --help' for more information.
