# unsafe entry: device
$ cnab-inspect -a f/unsafe-device.tgz
? 3
--- stderr
cnab-inspect: unsafe entry 'dev' in archive 'f/unsafe-device.tgz': device
