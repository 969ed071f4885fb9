# unsafe entry: fifo
$ cnab-inspect -a f/unsafe-fifo.tgz
? 3
--- stderr
cnab-inspect: unsafe entry 'fifo' in archive 'f/unsafe-fifo.tgz': FIFO
