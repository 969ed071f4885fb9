# -a - on a terminal is refused rather than waiting for input
$ script -qec 'cnab-publish-archive --dry-run -a - --tag 127.0.0.1:5000/x:1' /dev/null | tr -d '\r'
? 2
--- stdout
cnab-publish-archive: refusing to read an archive from a terminal
Try 'cnab-publish-archive --help' for more information.
