# a required extension whose configuration is not a mapping
$ printf 'schemaVersion: 1.0.1\nname: mybun\nversion: 0.1.0\nregistry: localhost:5000\nrequired:\n  - docker: privileged\n' | cnab-inspect -f -
? 2
--- stderr
cnab-inspect: cannot convert '<stdin>': section 'required.docker' must be a mapping
