# publish takes plain or json: table and yaml are another tool's formats
$ cnab-publish-archive -o yaml -a f/cnab.tgz --tag 127.0.0.1:5000/x:1
? 2
--- stderr
cnab-publish-archive: invalid output format 'yaml': use plain or json
Try 'cnab-publish-archive --help' for more information.
