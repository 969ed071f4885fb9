# an archive entry name quoted in a message shows its C1 control escaped
$ /usr/bin/python3 -c 'import tarfile, io; t = tarfile.open("a.tar", "w"); i = tarfile.TarInfo("x\u009b2J/../y"); i.size = 1; t.addfile(i, io.BytesIO(b"y")); t.close()' && cnab-inspect -a a.tar
? 3
--- stderr
cnab-inspect: unsafe entry 'x\u009b2J/../y' in archive 'a.tar': name contains '..'
