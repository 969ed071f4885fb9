# inspect reads a piped archive to its end, so that its writer is not
# killed by SIGPIPE and the pipeline succeeds under pipefail (without that,
# the writer here, cat, exits 141)
$ { cat f/cnab.tgz; head -c 4194304 /dev/zero; } | cnab-inspect -a - -o json | jq -r .name
? 0
--- stdout
fixture
