# a reference with its own tag wins over registry; an image with neither tag
# nor digest is guessed latest
$ printf 'schemaVersion: 1.1.0\nname: app\nversion: 1.2.3-beta.1+15\nregistry: ignored.example.com\nreference: example.com/acme/app:stable\nimages:\n  web:\n    repository: nginx\n  db:\n    repository: postgres\n    tag: "16"\n' | cnab-inspect -f -
? 0
--- stdout
Name: app
Description: 
Version: 1.2.3-beta.1+15

Invocation Images:
Image                                                          Type     Digest   Original Image
example.com/acme/app:porter-9c33e06ba6e8232de090427cb4de8626   docker            example.com/acme/app:porter-9c33e06ba6e8232de090427cb4de8626

Images:
Name   Type     Image          Digest   Original Image
db     docker   postgres:16             postgres:16
web    docker   nginx:latest            nginx:latest

Porter:
Reference: example.com/acme/app:stable
Tag: stable (from the reference)
Installer Image: example.com/acme/app:porter-9c33e06ba6e8232de090427cb4de8626
Guessed Tags:
Image       Tag                                       Why
installer   porter-9c33e06ba6e8232de090427cb4de8626   the installer image exists only after the bundle is built and published
web         latest                                    the manifest gives neither tag nor digest
