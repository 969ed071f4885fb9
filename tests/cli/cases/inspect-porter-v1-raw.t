# the bundle.json made from a v1 manifest, as Porter makes it (--raw)
$ cnab-inspect --raw -f f/porter-v1/manifests/tests/testdata/myenv/porter.yaml | jq -S .requiredExtensions
? 0
--- stdout
[
  "sh.porter.file-parameters",
  "org.getporter.dependencies@v2",
  "io.cnab.parameter-sources"
]
