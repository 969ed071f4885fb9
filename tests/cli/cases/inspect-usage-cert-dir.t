# a --cert-dir that does not exist is a usage error, not TLS without its CAs
$ cnab-inspect --cert-dir no-such-dir -r 127.0.0.1:1/a:1
? 2
--- stderr
cnab-inspect: cannot use --cert-dir 'no-such-dir': No such file or directory
Try 'cnab-inspect --help' for more information.
