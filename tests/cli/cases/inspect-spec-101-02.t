# the CNAB spec's thick example
$ cnab-inspect -f f/101.02-bundle.json
? 0
--- stdout
Name: helloworld
Description: An example 'thick' helloworld Cloud-Native Application Bundle
Version: 1.0.0

Invocation Images:
Image                      Type     Digest                   Original Image
example/helloworld:1.2.3   docker   sha256:aaaaaaaaaaaa...   example/helloworld:1.2.3

Images:
Name              Type   Image                      Digest                   Original Image
my-microservice   oci    example/helloworld:0.1.2   sha256:bbbbbbbbbbbb...   example/helloworld:0.1.2
