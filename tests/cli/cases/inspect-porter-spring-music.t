# the seed's spring-music porter.yaml
$ cnab-inspect -f f/spring-music.porter.yaml
? 0
--- stdout
Name: spring-music
Description: Run the Spring Music Service on Kubernetes and Digital Ocean PostgreSQL
Version: 0.5.0

Invocation Images:
Image                            Type     Digest   Original Image
jeremyrickard/porter-do:v0.5.0   docker            jeremyrickard/porter-do:v0.5.0

Images:
Name           Type     Image                                                                                                Digest                                                                    Original Image
spring-music   docker   jeremyrickard/spring-music@sha256:8f1133d81f1b078c865cdb11d17d1ff15f55c449d3eecca50190eed0f5e5e26f   sha256:8f1133d81f1b078c865cdb11d17d1ff15f55c449d3eecca50190eed0f5e5e26f   jeremyrickard/spring-music@sha256:8f1133d81f1b078c865cdb11d17d1ff15f55c449d3eecca50190eed0f5e5e26f
