# SOURCE_DATE_EPOCH sets every entry's time
$ mkdir x && tar -xzf f/cnab.tgz -C x && SOURCE_DATE_EPOCH=86400 TZ=UTC cnab-archive -q --layout x/artifacts/layout -f x/bundle.json - | tar -tvzf - | awk '{print $4, $5}' | sort | uniq -c
? 0
--- stdout
     20 1970-01-02 00:00
