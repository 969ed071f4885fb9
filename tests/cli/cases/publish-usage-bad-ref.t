# an invalid --tag
$ cnab-publish-archive -a f/cnab.tgz --tag Example.com/A/B:1
? 2
--- stderr
cnab-publish-archive: invalid --tag: invalid reference 'Example.com/A/B:1': invalid reference format: repository name must be lowercase
Try 'cnab-publish-archive --help' for more information.
