# SOURCE_DATE_EPOCH must be seconds since 1970
$ SOURCE_DATE_EPOCH=yesterday cnab-archive -f f/bundle.json out.tgz
? 2
--- stderr
cnab-archive: invalid SOURCE_DATE_EPOCH 'yesterday': want seconds since 1970
Try 'cnab-archive --help' for more information.
