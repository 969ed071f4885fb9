# a Porter v1 manifest (Porter's test bundle mybuns): the derived reference,
# the installer image and the guessed tags
$ cnab-inspect -f f/porter-v1/manifests/tests/testdata/mybuns/porter.yaml
? 0
--- stdout
Name: mybuns
Description: A very thorough test bundle
Version: 0.1.2

Invocation Images:
Image                                                           Type     Digest   Original Image
localhost:5000/mybuns:porter-332dd75c541511a27fc332bdcd049d5b   docker            localhost:5000/mybuns:porter-332dd75c541511a27fc332bdcd049d5b

Images:
Name        Type     Image                        Digest   Original Image
whalesayd   docker   carolynvs/whalesayd:latest            carolynvs/whalesayd:latest

Porter:
Reference: localhost:5000/mybuns:v0.1.2
Tag: v0.1.2 (from the version)
Installer Image: localhost:5000/mybuns:porter-332dd75c541511a27fc332bdcd049d5b
Guessed Tags:
Image       Tag                                       Why
installer   porter-332dd75c541511a27fc332bdcd049d5b   the installer image exists only after the bundle is built and published
