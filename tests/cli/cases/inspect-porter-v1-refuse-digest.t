# a bundle reference with a digest
$ printf 'schemaVersion: 1.0.1\nname: mybun\nversion: 0.1.0\nreference: getporter/mybun@sha256:8f1133d81f1b078c865cdb11d17d1ff15f55c449d3eecca50190eed0f5e5e26f\n' | cnab-inspect -f -
? 2
--- stderr
cnab-inspect: cannot convert '<stdin>': invalid bundle reference 'getporter/mybun@sha256:8f1133d81f1b078c865cdb11d17d1ff15f55c449d3eecca50190eed0f5e5e26f': it cannot hold a digest, it needs a tag
