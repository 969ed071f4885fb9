# the same in JSON: a "porter" object
$ cnab-inspect -o json -f f/porter-v1/manifests/tests/testdata/mybuns/porter.yaml
? 0
--- stdout
{
  "name": "mybuns",
  "description": "A very thorough test bundle",
  "version": "0.1.2",
  "invocationImages": [
    {
      "name": null,
      "imageType": "docker",
      "image": "localhost:5000/mybuns:porter-332dd75c541511a27fc332bdcd049d5b",
      "originalImage": "localhost:5000/mybuns:porter-332dd75c541511a27fc332bdcd049d5b",
      "digest": null,
      "size": null,
      "mediaType": null
    }
  ],
  "images": [
    {
      "name": "whalesayd",
      "imageType": "docker",
      "image": "carolynvs/whalesayd:latest",
      "originalImage": "carolynvs/whalesayd:latest",
      "digest": null,
      "size": null,
      "mediaType": null,
      "description": "Whalesay as a service"
    }
  ],
  "porter": {
    "reference": "localhost:5000/mybuns:v0.1.2",
    "tag": "v0.1.2",
    "tagFrom": "version",
    "installerImage": "localhost:5000/mybuns:porter-332dd75c541511a27fc332bdcd049d5b",
    "guessedTags": [
      {
        "image": "installer",
        "tag": "porter-332dd75c541511a27fc332bdcd049d5b",
        "why": "the installer image exists only after the bundle is built and published"
      }
    ]
  }
}
