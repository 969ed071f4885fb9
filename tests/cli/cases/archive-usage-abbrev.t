# a prefix of a long option is refused, with the option it may mean (it would swallow -f)
$ cnab-archive --insecure -f f/bundle.json out.tgz
? 2
--- stderr
cnab-archive: unknown option '--insecure': did you mean '--insecure-registry'?
Try 'cnab-archive --help' for more information.
