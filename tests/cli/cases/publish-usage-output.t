# an unknown -o
$ cnab-publish-archive -o yaml -a f/cnab.tgz --tag example.com/a/b:1
? 2
--- stderr
cnab-publish-archive: invalid output format 'yaml': use plain or json
Try 'cnab-publish-archive --help' for more information.
