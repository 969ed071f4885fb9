# --jobs out of range, or not a number
$ cnab-publish-archive --jobs 33 -a app.tgz --tag example.com/a/b:1
? 2
--- stderr
cnab-publish-archive: invalid --jobs '33': use 1 to 32
Try 'cnab-publish-archive --help' for more information.
