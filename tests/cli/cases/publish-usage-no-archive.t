# -a is required
$ cnab-publish-archive --tag example.com/a/b:1
? 2
--- stderr
cnab-publish-archive: give the archive with -a ARCHIVE
Try 'cnab-publish-archive --help' for more information.
