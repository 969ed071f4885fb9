# an image type not held in registries cannot be archived (said before any network)
$ sed 's/"imageType":"docker"/"imageType":"qcow"/' f/bundle.json > b.json && cnab-archive -f b.json out.tgz
? 2
--- stderr
cnab-archive: cannot archive invocation image 0 'example.com/fixture/installer:1.0.0': image type 'qcow' is not held in registries
