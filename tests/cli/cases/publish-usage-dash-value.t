# an option's value never starts with '-': --insecure-registry does not eat --tag
$ cnab-publish-archive --insecure-registry --tag 127.0.0.1:5000/a:1 -a f/cnab.tgz
? 2
--- stderr
cnab-publish-archive: option '--insecure-registry' needs a value, not '--tag'
Try 'cnab-publish-archive --help' for more information.
