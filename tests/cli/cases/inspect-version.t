# --version names the suite and its libraries
$ cnab-inspect --version | sed -n 1p
? 0
--- stdout
cnab-inspect (cnab-tools) 0.1.0
