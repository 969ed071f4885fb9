# a reference pinned by sha384, which the reference grammar allows but nothing here can verify: refused before any request (exit 2)
$ cnab-archive -f f/sha384.json out.tgz
? 2
--- stderr
cnab-archive: cannot verify image 'docker.io/library/postgres@sha384:4d1da9837b17cb466398b6b73fe512e52403736025c2fc3e075df163b7a237b3c54e7dbdbb05d4fdcdf8d5fec87c84f3': digest algorithm 'sha384' is not supported (only sha256 and sha512 are)
