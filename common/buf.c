#include "common/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void cnab_buf_init(struct cnab_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
	b->max = max;
}

void cnab_buf_release(struct cnab_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
}

void cnab_buf_reset(struct cnab_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

enum cnab_status cnab_buf_grow(struct cnab_buf *b, size_t n)
{
	size_t need, alloc;
	char *p;

	if (!cnab_size_add(b->len, n, &need) || need > b->max)
		return CNAB_ERR_TOOBIG;
	if (!cnab_size_add(need, 1, &need))
		return CNAB_ERR_TOOBIG;
	if (need <= b->alloc)
		return CNAB_OK;
	alloc = b->alloc ? b->alloc : 64;
	while (alloc < need) {
		if (!cnab_size_mul(alloc, 2, &alloc)) {
			alloc = need;
			break;
		}
	}
	p = realloc(b->data, alloc);
	if (!p)
		return CNAB_ERR_NOMEM;
	b->data = p;
	b->alloc = alloc;
	return CNAB_OK;
}

enum cnab_status cnab_buf_add(struct cnab_buf *b, const void *p, size_t n)
{
	enum cnab_status st = cnab_buf_grow(b, n);

	if (st != CNAB_OK)
		return st;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return CNAB_OK;
}

enum cnab_status cnab_buf_addstr(struct cnab_buf *b, const char *s)
{
	return cnab_buf_add(b, s, strlen(s));
}

enum cnab_status cnab_buf_addch(struct cnab_buf *b, char c)
{
	return cnab_buf_add(b, &c, 1);
}

enum cnab_status cnab_buf_addf(struct cnab_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;
	enum cnab_status st;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return CNAB_ERR_FAIL;
	st = cnab_buf_grow(b, (size_t)n);
	if (st != CNAB_OK)
		return st;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return CNAB_OK;
}

const char *cnab_buf_str(const struct cnab_buf *b)
{
	return b->data ? b->data : "";
}

char *cnab_buf_detach(struct cnab_buf *b, size_t *len)
{
	char *p = b->data;

	if (!p)
		p = calloc(1, 1);
	if (len)
		*len = b->len;
	b->data = NULL;
	b->len = 0;
	b->alloc = 0;
	return p;
}

char *cnab_strfmt(const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	p = malloc((size_t)n + 1);
	if (!p)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}
