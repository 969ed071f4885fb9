# a DEST with no repository is not read as a Docker Hub one
$ cnab-relocate 127.0.0.1:1/a:1 127.0.0.1:5100
? 2
--- stderr
cnab-relocate: invalid DEST: '127.0.0.1:5100' names a registry but no repository: use REGISTRY/REPO:TAG, such as '127.0.0.1:5100/REPO'
Try 'cnab-relocate --help' for more information.
