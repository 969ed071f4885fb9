/*
 * A growable byte buffer with a ceiling (curl's dynbuf), and
 * overflow-checked size arithmetic (git's st_add).
 *
 * The data is always NUL-terminated (the terminator is not counted in len),
 * so a buffer of text can be used as a C string.
 */
#ifndef CNAB_COMMON_BUF_H
#define CNAB_COMMON_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/status.h"

struct cnab_buf {
	char *data; /* NULL until something is added */
	size_t len;
	size_t alloc;
	size_t max; /* the most len may reach */
};
#define CNAB_BUF_INIT(max)                                                     \
	{                                                                      \
		NULL, 0, 0, (max)                                              \
	}

/* Caps used across the project (DESIGN 5). */
#define CNAB_MAX_DOCUMENT ((size_t)4 << 20)  /* manifests, bundle.json */
#define CNAB_MAX_TOKEN    ((size_t)64 << 10) /* auth tokens */

void cnab_buf_init(struct cnab_buf *b, size_t max);

/* Frees the data; the buffer may be reused (its ceiling is kept). */
void cnab_buf_release(struct cnab_buf *b);

/* Empties the buffer, keeping its memory. */
void cnab_buf_reset(struct cnab_buf *b);

/*
 * Appends n bytes.  Returns CNAB_ERR_TOOBIG when the ceiling would be
 * passed (nothing is appended), CNAB_ERR_NOMEM when memory runs out.
 */
enum cnab_status cnab_buf_add(struct cnab_buf *b, const void *p, size_t n);
enum cnab_status cnab_buf_addstr(struct cnab_buf *b, const char *s);
enum cnab_status cnab_buf_addch(struct cnab_buf *b, char c);
enum cnab_status cnab_buf_addf(struct cnab_buf *b, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/* Makes room for n more bytes without changing len. */
enum cnab_status cnab_buf_grow(struct cnab_buf *b, size_t n);

/* The contents as a C string ("" for an empty buffer); the buffer owns it. */
const char *cnab_buf_str(const struct cnab_buf *b);

/*
 * Hands the data to the caller (who frees it) and empties the buffer.
 * Never NULL unless memory runs out.
 */
char *cnab_buf_detach(struct cnab_buf *b, size_t *len);

/* A newly allocated formatted string (the caller frees it), or NULL when
 * memory runs out. */
char *cnab_strfmt(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Overflow-checked arithmetic: false (and *out untouched) on overflow. */
static inline bool cnab_size_add(size_t a, size_t b, size_t *out)
{
	size_t r;

	if (__builtin_add_overflow(a, b, &r))
		return false;
	*out = r;
	return true;
}

static inline bool cnab_size_mul(size_t a, size_t b, size_t *out)
{
	size_t r;

	if (__builtin_mul_overflow(a, b, &r))
		return false;
	*out = r;
	return true;
}

static inline bool cnab_u64_add(uint64_t a, uint64_t b, uint64_t *out)
{
	uint64_t r;

	if (__builtin_add_overflow(a, b, &r))
		return false;
	*out = r;
	return true;
}

#endif
