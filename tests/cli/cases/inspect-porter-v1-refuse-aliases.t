# aliases that would expand to 9^12 values in a section converted to JSON
$ printf 'schemaVersion: 1.0.1\nname: x\nversion: 0.1.0\nregistry: localhost:5000\na0: &a0 [x, x, x, x, x, x, x, x, x]\na1: &a1 [*a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0, *a0]\na2: &a2 [*a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1, *a1]\na3: &a3 [*a2, *a2, *a2, *a2, *a2, *a2, *a2, *a2, *a2]\na4: &a4 [*a3, *a3, *a3, *a3, *a3, *a3, *a3, *a3, *a3]\na5: &a5 [*a4, *a4, *a4, *a4, *a4, *a4, *a4, *a4, *a4]\na6: &a6 [*a5, *a5, *a5, *a5, *a5, *a5, *a5, *a5, *a5]\na7: &a7 [*a6, *a6, *a6, *a6, *a6, *a6, *a6, *a6, *a6]\na8: &a8 [*a7, *a7, *a7, *a7, *a7, *a7, *a7, *a7, *a7]\na9: &a9 [*a8, *a8, *a8, *a8, *a8, *a8, *a8, *a8, *a8]\na10: &a10 [*a9, *a9, *a9, *a9, *a9, *a9, *a9, *a9, *a9]\na11: &a11 [*a10, *a10, *a10, *a10, *a10, *a10, *a10, *a10, *a10]\ncustom:\n  laughs: *a11\n' | cnab-inspect -f -
? 2
--- stderr
cnab-inspect: cannot convert '<stdin>': section 'custom': aliases expand to more than 65536 values
