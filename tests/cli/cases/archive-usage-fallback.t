# --fallback-registry means something only with --layout
$ cnab-archive --fallback-registry -f f/bundle.json out.tgz
? 2
--- stderr
cnab-archive: --fallback-registry needs --layout: without it, images come from registries anyway
Try 'cnab-archive --help' for more information.
