# a v1 manifest without version: CNAB requires one (Porter would leave it out)
$ printf 'schemaVersion: 1.0.1\nname: mybun\nreference: getporter/mybun:v1\n' | cnab-inspect -f -
? 2
--- stderr
cnab-inspect: cannot convert '<stdin>': missing field 'version'
