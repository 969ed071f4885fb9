# the manifest `porter create` writes
$ cnab-inspect -f f/porter-v1/manifests/pkg/templates/templates/create/porter.yaml
? 0
--- stdout
Name: porter-hello
Description: An example Porter configuration
Version: 0.1.0

Invocation Images:
Image                                                                 Type     Digest   Original Image
localhost:5000/porter-hello:porter-37da5464f8517662657529ad34851db9   docker            localhost:5000/porter-hello:porter-37da5464f8517662657529ad34851db9

Images:
No images defined

Porter:
Reference: localhost:5000/porter-hello:v0.1.0
Tag: v0.1.0 (from the version)
Installer Image: localhost:5000/porter-hello:porter-37da5464f8517662657529ad34851db9
Guessed Tags:
Image       Tag                                       Why
installer   porter-37da5464f8517662657529ad34851db9   the installer image exists only after the bundle is built and published
