# the tag made from a semantic version: v + version, first + as _
$ printf 'schemaVersion: 1.0.1\nname: mybun\nversion: v1.2.3-beta.1+15\nreference: getporter/mybun\n' | cnab-inspect -o json -f - | jq -c .porter
? 0
--- stdout
{"reference":"getporter/mybun:v1.2.3-beta.1_15","tag":"v1.2.3-beta.1_15","tagFrom":"version","installerImage":"getporter/mybun:porter-bcd1325906d287fb3b93500c8bfd2947","guessedTags":[{"image":"installer","tag":"porter-bcd1325906d287fb3b93500c8bfd2947","why":"the installer image exists only after the bundle is built and published"}]}
