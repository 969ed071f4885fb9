# a key file that is not there: a usage error, before any request
$ cnab-inspect --verify --key no-such.pub -r 127.0.0.1:1/app:1
? 2
--- stderr
cnab-inspect: cannot open 'no-such.pub': No such file or directory
