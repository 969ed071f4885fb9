/*
 * UTF-8 (RFC 3629): decoding one character, and checking a whole string.
 * Shortest forms only, no surrogates, nothing past U+10FFFF.
 */
#ifndef CNAB_COMMON_UTF8_H
#define CNAB_COMMON_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Decodes the character at s[0..n) (n > 0) into *cp.  Returns its length
 * in bytes (1 to 4), or 0 when s does not start with a valid sequence
 * (*cp is then left untouched).
 */
size_t cnab_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/* True when s[0..len) is valid UTF-8 (NUL bytes included). */
bool cnab_utf8_valid(const char *s, size_t len);

#endif
