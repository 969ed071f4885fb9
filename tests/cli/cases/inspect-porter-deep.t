# porter.yaml nesting is capped at 64 levels, as JSON's: 4 MiB of '[' is refused at once (it took minutes)
$ head -c 4194304 /dev/zero | tr '\0' '[' >deep.yaml && timeout 20 cnab-inspect -f deep.yaml
? 2
--- stderr
cnab-inspect: cannot parse 'deep.yaml': line 1 column 65: nested deeper than 64 levels
