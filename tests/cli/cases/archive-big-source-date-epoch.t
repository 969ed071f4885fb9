# SOURCE_DATE_EPOCH out of range
$ SOURCE_DATE_EPOCH=99999999999999999999 cnab-archive -f f/bundle.json out.tgz
? 2
--- stderr
cnab-archive: invalid SOURCE_DATE_EPOCH '99999999999999999999': want seconds since 1970
Try 'cnab-archive --help' for more information.
