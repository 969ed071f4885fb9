# -f and -r together is a usage error
$ cnab-archive -f f/bundle.json -r example.com/a/b:1 out.tgz
? 2
--- stderr
cnab-archive: give the bundle with one of -f FILE or -r REF
Try 'cnab-archive --help' for more information.
