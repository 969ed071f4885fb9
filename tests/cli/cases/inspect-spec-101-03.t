# the CNAB spec's third example
$ cnab-inspect -f f/101.03-bundle.json
? 0
--- stdout
Name: helloworld
Description: An example 'thin' helloworld Cloud-Native Application Bundle
Version: 0.1.2

Invocation Images:
Image                      Type     Digest              Original Image
example/helloworld:0.1.0   docker   sha256:aaaaaaa...   example/helloworld:0.1.0

Images:
Name              Type   Image                        Digest                   Original Image
my-microservice   oci    example/microservice:1.2.3   sha256:aaaaaaaaaaaa...   example/microservice:1.2.3
