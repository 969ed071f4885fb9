# '-' alone is a value (standard input)
$ cnab-inspect -f - < f/bundle.json | head -n 1
? 0
--- stdout
Name: fixture
