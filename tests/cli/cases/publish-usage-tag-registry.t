# a --tag with no repository is not read as a Docker Hub one
$ cnab-publish-archive -a f/cnab.tgz --tag localhost:5000
? 2
--- stderr
cnab-publish-archive: invalid --tag: 'localhost:5000' names a registry but no repository: use REGISTRY/REPO:TAG, such as 'localhost:5000/REPO'
Try 'cnab-publish-archive --help' for more information.
