#include "common/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/utf8.h"

/* The two layouts the writers produce. */
enum json_style {
	STYLE_JCS, /* RFC 8785 */
	STYLE_GO,  /* Go's encoding/json Marshal */
};

/* An object member, borrowed from its object while writing or sorting. */
struct json_member {
	const char *key;
	size_t len;
	json_t *value;
};

/*
 * Copies jansson's error text, which quotes the input ("near '...'"), with
 * control characters and bytes that are not UTF-8 replaced by '?', so that
 * a hostile document cannot put terminal escapes into our messages.
 */
static void sanitize_text(char *dst, size_t size, const char *src)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t n = strlen(src), i = 0, o = 0, len;
	uint32_t cp;

	while (i < n && o + 1 < size) {
		len = cnab_utf8_decode(s + i, n - i, &cp);
		if (len == 0 || cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) {
			dst[o++] = '?';
			i += len ? len : 1;
			continue;
		}
		if (o + len >= size)
			break;
		memcpy(dst + o, s + i, len);
		o += len;
		i += len;
	}
	dst[o] = '\0';
}

/*
 * Refuses nesting deeper than CNAB_JSON_MAX_DEPTH before jansson (whose
 * own limit is 2048 levels) recurses into it.  The scan only tracks
 * strings and brackets; jansson judges everything else.  Lines and
 * columns are counted as jansson counts them (columns in characters).
 */
static enum cnab_status check_depth(const unsigned char *s, size_t len,
                                    const char *subject, struct cnab_err *err)
{
	size_t i, depth = 0, line = 1, column = 0;
	bool in_string = false, escaped = false;

	for (i = 0; i < len; i++) {
		unsigned char c = s[i];

		if (c == '\n') {
			line++;
			column = 0;
		} else if ((c & 0xc0) != 0x80) {
			column++;
		}
		if (in_string) {
			if (escaped)
				escaped = false;
			else if (c == '\\')
				escaped = true;
			else if (c == '"')
				in_string = false;
		} else if (c == '"') {
			in_string = true;
		} else if (c == '[' || c == '{') {
			if (++depth > CNAB_JSON_MAX_DEPTH)
				return cnab_err_set(
				        err, CNAB_ERR_INVALID,
				        "cannot parse '%s': line %zu column "
				        "%zu: nested deeper than %d levels",
				        subject, line, column,
				        CNAB_JSON_MAX_DEPTH);
		} else if ((c == ']' || c == '}') && depth > 0) {
			depth--;
		}
	}
	return CNAB_OK;
}

enum cnab_status cnab_json_parse(const void *data, size_t len, size_t max,
                                 int flags, const char *subject, json_t **out,
                                 struct cnab_err *err)
{
	size_t jflags = JSON_REJECT_DUPLICATES | JSON_DECODE_ANY;
	char text[JSON_ERROR_TEXT_LENGTH];
	json_error_t jerr;
	json_t *v;
	enum cnab_status st;

	*out = NULL;
	if (len > max) {
		st = cnab_err_set(err, CNAB_ERR_TOOBIG,
		                  "cannot parse '%s': %zu bytes, more than "
		                  "the limit of %zu",
		                  subject, len, max);
		goto out;
	}
	if (!data)
		data = "";
	st = check_depth(data, len, subject, err);
	if (st != CNAB_OK)
		goto out;
	if (flags & CNAB_JSON_NUMBERS_AS_REAL)
		jflags |= JSON_DECODE_INT_AS_REAL;
	/* NUL in strings is refused unless JSON_ALLOW_NUL is given. */
	v = json_loadb(data, len, jflags, &jerr);
	if (!v) {
		if (json_error_code(&jerr) == json_error_out_of_memory) {
			st = cnab_err_set(err, CNAB_ERR_NOMEM,
			                  "cannot parse '%s': out of memory",
			                  subject);
			goto out;
		}
		sanitize_text(text, sizeof(text), jerr.text);
		if (jerr.line < 0)
			st = cnab_err_set(err, CNAB_ERR_INVALID,
			                  "cannot parse '%s': %s", subject,
			                  text);
		else
			st = cnab_err_set(err, CNAB_ERR_INVALID,
			                  "cannot parse '%s': line %d column "
			                  "%d: %s",
			                  subject, jerr.line, jerr.column,
			                  text);
		goto out;
	}
	*out = v;
	st = CNAB_OK;
out:
	return st;
}

/*
 * Numbers.  A double is printed with "%.*e" at 1, 2, ... 17 significant
 * digits until the digits read back as the same double: C99 requires that
 * conversion to be correctly rounded, so the first that does is the
 * shortest, and the closest to the value among the shortest (ECMAScript's
 * choice; glibc breaks exact ties to even, as ECMAScript recommends).  Only
 * the digits and the exponent are taken from the "%e" text, so the locale's
 * radix character never matters.
 */

/* A decimal 0.DIGITS x 10^point (ECMAScript's k digits and exponent n). */
struct json_decimal {
	char digits[24];
	int len;
	int point;
};

/* Reads "d.ddde+xx" as "%.*e" prints it, whatever the radix character. */
static bool decimal_from_e(const char *s, struct json_decimal *dec)
{
	int exp = 0, neg = 0;

	dec->len = 0;
	for (; *s && *s != 'e'; s++) {
		if (*s < '0' || *s > '9')
			continue;
		if (dec->len + 1 >= (int)sizeof(dec->digits))
			return false;
		dec->digits[dec->len++] = *s;
	}
	dec->digits[dec->len] = '\0';
	if (*s != 'e' || dec->len == 0)
		return false;
	s++;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	for (; *s >= '0' && *s <= '9' && exp < 10000; s++)
		exp = exp * 10 + (*s - '0');
	dec->point = (neg ? -exp : exp) + 1;
	return true;
}

/* The double dec reads as, written with no radix character at all. */
static double decimal_value(const struct json_decimal *dec)
{
	char s[48];

	snprintf(s, sizeof(s), "%se%d", dec->digits, dec->point - dec->len);
	return strtod(s, NULL);
}

/* Adds one unit in the last place of dec. */
static void decimal_increment(struct json_decimal *dec)
{
	int i = dec->len - 1;

	while (i >= 0 && dec->digits[i] == '9')
		dec->digits[i--] = '0';
	if (i >= 0) {
		dec->digits[i]++;
		return;
	}
	/* 0.99..9 + 0.00..1 = 0.10..0 x 10 */
	dec->digits[0] = '1';
	dec->point++;
}

/* The shortest decimal that reads back as a (finite, > 0). */
static bool shortest_decimal(double a, struct json_decimal *dec)
{
	char text[48];
	uint64_t bits;
	double v;
	bool pow2;
	int p;

	/*
	 * Just above a power of two the doubles are twice as far apart as
	 * just below it, so the decimal above a may read back as a while
	 * the closer one below does not: try it too.  (A normal double is
	 * a power of two when its 52 fraction bits are zero.)
	 */
	memcpy(&bits, &a, sizeof(bits));
	pow2 = (bits & 0xfffffffffffffULL) == 0 && (bits >> 52) != 0;

	for (p = 0; p < 17; p++) {
		snprintf(text, sizeof(text), "%.*e", p, a);
		if (!decimal_from_e(text, dec))
			return false;
		v = decimal_value(dec);
		if (v == a)
			break;
		if (pow2 && v < a) {
			decimal_increment(dec);
			if (decimal_value(dec) == a)
				break;
		}
	}
	if (p == 17)
		return false;
	while (dec->len > 1 && dec->digits[dec->len - 1] == '0')
		dec->digits[--dec->len] = '\0';
	return true;
}

bool cnab_json_format_number(double d, char *buf, size_t size)
{
	struct json_decimal dec;
	size_t pos = 0;
	int k, n, i, e;

	if (!isfinite(d) || size < CNAB_JSON_NUMBER_MAX)
		return false;
	if (d == 0) {
		/* -0 too */
		buf[0] = '0';
		buf[1] = '\0';
		return true;
	}
	if (!shortest_decimal(d < 0 ? -d : d, &dec))
		return false;
	k = dec.len;
	n = dec.point;
	if (d < 0)
		buf[pos++] = '-';
	if (k <= n && n <= 21) {
		/* an integer: the digits, then n - k zeros */
		memcpy(buf + pos, dec.digits, (size_t)k);
		pos += (size_t)k;
		for (i = k; i < n; i++)
			buf[pos++] = '0';
	} else if (0 < n && n <= 21) {
		/* the point among the digits */
		memcpy(buf + pos, dec.digits, (size_t)n);
		pos += (size_t)n;
		buf[pos++] = '.';
		memcpy(buf + pos, dec.digits + n, (size_t)(k - n));
		pos += (size_t)(k - n);
	} else if (-6 < n && n <= 0) {
		/* 0.000ddd */
		buf[pos++] = '0';
		buf[pos++] = '.';
		for (i = n; i < 0; i++)
			buf[pos++] = '0';
		memcpy(buf + pos, dec.digits, (size_t)k);
		pos += (size_t)k;
	} else {
		/* d.ddde+n */
		buf[pos++] = dec.digits[0];
		if (k > 1) {
			buf[pos++] = '.';
			memcpy(buf + pos, dec.digits + 1, (size_t)(k - 1));
			pos += (size_t)(k - 1);
		}
		e = n - 1;
		snprintf(buf + pos, size - pos, "e%c%d", e < 0 ? '-' : '+',
		         e < 0 ? -e : e);
		return true;
	}
	buf[pos] = '\0';
	return true;
}

static enum cnab_status write_number(struct cnab_buf *out, double d,
                                     enum json_style style)
{
	char num[CNAB_JSON_NUMBER_MAX];

	/* Go keeps the sign of zero, ECMAScript does not. */
	if (style == STYLE_GO && d == 0 && signbit(d))
		return cnab_buf_addstr(out, "-0");
	if (!cnab_json_format_number(d, num, sizeof(num)))
		return CNAB_ERR_INVALID;
	return cnab_buf_addstr(out, num);
}

/*
 * Whether the ASCII character c is written as it is: neither a control
 * character nor '"' nor '\\', and for Go (encoding/json's htmlSafeSet)
 * neither '<' '>' nor '&'.
 */
static bool ascii_raw(unsigned char c, enum json_style style)
{
	if (c < 0x20 || c == '"' || c == '\\')
		return false;
	return style != STYLE_GO || (c != '<' && c != '>' && c != '&');
}

/*
 * Appends the string s[0..len) in quotes.  Both styles write \" \\ \n \r
 * \t \b \f as short escapes and other control characters as \u00xx
 * (lowercase hex): \b and \f as RFC 8785 does, and as Go's encoding/json
 * does since Go 1.22 (it wrote \u0008 and \u000c before; cnab-archive(5)).
 * JCS writes everything else as it is, refusing bytes that are not UTF-8.
 * Go escapes < > & U+2028 U+2029 and replaces bytes that are not UTF-8 by
 * \ufffd.
 */
static enum cnab_status write_string(struct cnab_buf *out, const char *str,
                                     size_t len, enum json_style style)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, start = 0, n;
	char esc[8];
	const char *rep;
	enum cnab_status st;
	uint32_t cp;

	st = cnab_buf_addch(out, '"');
	while (st == CNAB_OK && i < len) {
		unsigned char c = s[i];

		rep = NULL;
		n = 1;
		if (c < 0x80) {
			if (ascii_raw(c, style)) {
				i++;
				continue;
			}
			switch (c) {
			case '"':
				rep = "\\\"";
				break;
			case '\\':
				rep = "\\\\";
				break;
			case '\n':
				rep = "\\n";
				break;
			case '\r':
				rep = "\\r";
				break;
			case '\t':
				rep = "\\t";
				break;
			case '\b':
				rep = "\\b";
				break;
			case '\f':
				rep = "\\f";
				break;
			}
			if (!rep) {
				snprintf(esc, sizeof(esc), "\\u00%c%c",
				         hex[c >> 4], hex[c & 0xf]);
				rep = esc;
			}
		} else {
			n = cnab_utf8_decode(s + i, len - i, &cp);
			if (n == 0 && style == STYLE_JCS) {
				st = CNAB_ERR_INVALID;
				break;
			}
			if (n == 0) {
				rep = "\\ufffd";
				n = 1;
			} else if (style == STYLE_GO && cp == 0x2028) {
				rep = "\\u2028";
			} else if (style == STYLE_GO && cp == 0x2029) {
				rep = "\\u2029";
			} else {
				i += n;
				continue;
			}
		}
		st = cnab_buf_add(out, s + start, i - start);
		if (st == CNAB_OK)
			st = cnab_buf_addstr(out, rep);
		i += n;
		start = i;
	}
	if (st == CNAB_OK)
		st = cnab_buf_add(out, s + start, len - start);
	if (st == CNAB_OK)
		st = cnab_buf_addch(out, '"');
	return st;
}

static int compare_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
	int r = memcmp(a, b, alen < blen ? alen : blen);

	if (r)
		return r;
	return (alen > blen) - (alen < blen);
}

static int member_cmp_bytes(const void *pa, const void *pb)
{
	const struct json_member *a = pa, *b = pb;

	return compare_bytes(a->key, a->len, b->key, b->len);
}

/*
 * Where a UTF-8 lead byte sorts in UTF-16 order.  UTF-16 order is code
 * point order but for U+E000..U+FFFF (lead bytes 0xee 0xef), which come
 * after the surrogate pairs of U+10000 and above (lead bytes 0xf0..0xf4).
 */
static int utf16_rank(unsigned char c)
{
	return c == 0xee || c == 0xef ? c + 0x10 : c;
}

/*
 * Compares two UTF-8 keys by their UTF-16 code units.  Where two valid
 * UTF-8 strings first differ, both bytes start a character or both
 * continue characters that started alike, so ranking that byte pair is
 * enough.
 */
static int member_cmp_utf16(const void *pa, const void *pb)
{
	const struct json_member *a = pa, *b = pb;
	const unsigned char *x = (const unsigned char *)a->key;
	const unsigned char *y = (const unsigned char *)b->key;
	size_t i, n = a->len < b->len ? a->len : b->len;

	for (i = 0; i < n; i++)
		if (x[i] != y[i])
			return utf16_rank(x[i]) - utf16_rank(y[i]);
	return (a->len > b->len) - (a->len < b->len);
}

/*
 * Lists the members of obj in insertion order into a new array (the
 * caller frees it); the keys and values stay obj's.
 */
static enum cnab_status list_members(json_t *obj, struct json_member **out,
                                     size_t *count)
{
	struct json_member *m = NULL;
	size_t n = json_object_size(obj), i = 0, bytes;
	void *iter;

	*out = NULL;
	*count = 0;
	if (n == 0)
		return CNAB_OK;
	if (!cnab_size_mul(n, sizeof(*m), &bytes))
		return CNAB_ERR_NOMEM;
	m = malloc(bytes);
	if (!m)
		return CNAB_ERR_NOMEM;
	for (iter = json_object_iter(obj); iter && i < n;
	     iter = json_object_iter_next(obj, iter)) {
		m[i].key = json_object_iter_key(iter);
		m[i].len = json_object_iter_key_len(iter);
		m[i].value = json_object_iter_value(iter);
		i++;
	}
	*out = m;
	*count = i;
	return CNAB_OK;
}

static enum cnab_status write_value(struct cnab_buf *out, const json_t *v,
                                    enum json_style style, const char *indent,
                                    int depth);

/* For indented output (Go's MarshalIndent): a new line at a level. */
static enum cnab_status newline(struct cnab_buf *out, const char *indent,
                                int level)
{
	enum cnab_status st = CNAB_OK;
	int i;

	if (!indent)
		return CNAB_OK;
	st = cnab_buf_addch(out, '\n');
	for (i = 0; i < level && st == CNAB_OK; i++)
		st = cnab_buf_addstr(out, indent);
	return st;
}

static enum cnab_status write_object(struct cnab_buf *out, const json_t *v,
                                     enum json_style style, const char *indent,
                                     int depth)
{
	struct json_member *m = NULL;
	size_t n, i;
	enum cnab_status st;

	/* jansson's iterators take no const object; nothing is changed. */
	st = list_members((json_t *)v, &m, &n);
	if (st != CNAB_OK)
		goto out;
	if (style == STYLE_JCS && n > 1)
		qsort(m, n, sizeof(*m), member_cmp_utf16);
	st = cnab_buf_addch(out, '{');
	for (i = 0; st == CNAB_OK && i < n; i++) {
		if (i > 0)
			st = cnab_buf_addch(out, ',');
		if (st == CNAB_OK)
			st = newline(out, indent, depth);
		if (st == CNAB_OK)
			st = write_string(out, m[i].key, m[i].len, style);
		if (st == CNAB_OK)
			st = cnab_buf_addstr(out, indent ? ": " : ":");
		if (st == CNAB_OK)
			st = write_value(out, m[i].value, style, indent, depth);
	}
	if (st == CNAB_OK && n)
		st = newline(out, indent, depth - 1);
	if (st == CNAB_OK)
		st = cnab_buf_addch(out, '}');
out:
	free(m);
	return st;
}

static enum cnab_status write_value(struct cnab_buf *out, const json_t *v,
                                    enum json_style style, const char *indent,
                                    int depth)
{
	enum cnab_status st = CNAB_OK;
	size_t i, n;

	if (!v)
		return CNAB_ERR_INVALID;
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		if (depth >= CNAB_JSON_MAX_DEPTH)
			return CNAB_ERR_INVALID;
		return write_object(out, v, style, indent, depth + 1);
	case JSON_ARRAY:
		if (depth >= CNAB_JSON_MAX_DEPTH)
			return CNAB_ERR_INVALID;
		n = json_array_size(v);
		st = cnab_buf_addch(out, '[');
		for (i = 0; st == CNAB_OK && i < n; i++) {
			if (i > 0)
				st = cnab_buf_addch(out, ',');
			if (st == CNAB_OK)
				st = newline(out, indent, depth + 1);
			if (st == CNAB_OK)
				st = write_value(out, json_array_get(v, i),
				                 style, indent, depth + 1);
		}
		if (st == CNAB_OK && n)
			st = newline(out, indent, depth);
		if (st == CNAB_OK)
			st = cnab_buf_addch(out, ']');
		return st;
	case JSON_STRING:
		return write_string(out, json_string_value(v),
		                    json_string_length(v), style);
	case JSON_INTEGER:
		/* RFC 8785 sees every number as an IEEE double. */
		if (style == STYLE_JCS)
			return write_number(out, (double)json_integer_value(v),
			                    style);
		return cnab_buf_addf(out, "%" JSON_INTEGER_FORMAT,
		                     json_integer_value(v));
	case JSON_REAL:
		return write_number(out, json_real_value(v), style);
	case JSON_TRUE:
		return cnab_buf_addstr(out, "true");
	case JSON_FALSE:
		return cnab_buf_addstr(out, "false");
	case JSON_NULL:
		return cnab_buf_addstr(out, "null");
	}
	return CNAB_ERR_INVALID;
}

enum cnab_status cnab_json_canonical(const json_t *v, struct cnab_buf *out)
{
	return write_value(out, v, STYLE_JCS, NULL, 0);
}

enum cnab_status cnab_json_go(const json_t *v, struct cnab_buf *out)
{
	return write_value(out, v, STYLE_GO, NULL, 0);
}

enum cnab_status cnab_json_go_indent(const json_t *v, const char *indent,
                                     struct cnab_buf *out)
{
	return write_value(out, v, STYLE_GO, indent, 0);
}

enum cnab_status cnab_json_object_sort(json_t *obj)
{
	struct json_member *m = NULL;
	json_t *sorted = NULL;
	size_t n, i;
	void *iter;
	enum cnab_status st;

	if (!json_is_object(obj))
		return CNAB_ERR_INVALID;
	st = list_members(obj, &m, &n);
	if (st != CNAB_OK || n < 2)
		goto out;
	qsort(m, n, sizeof(*m), member_cmp_bytes);
	/*
	 * jansson keeps insertion order and has no way to move a member:
	 * build the sorted object aside (so that running out of memory
	 * there leaves obj whole), then refill obj from it.
	 */
	sorted = json_object();
	if (!sorted) {
		st = CNAB_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (json_object_setn_nocheck(sorted, m[i].key, m[i].len,
		                             m[i].value)) {
			st = CNAB_ERR_NOMEM;
			goto out;
		}
	}
	if (json_object_clear(obj)) {
		st = CNAB_ERR_NOMEM;
		goto out;
	}
	for (iter = json_object_iter(sorted); iter;
	     iter = json_object_iter_next(sorted, iter)) {
		if (json_object_setn_nocheck(obj, json_object_iter_key(iter),
		                             json_object_iter_key_len(iter),
		                             json_object_iter_value(iter))) {
			st = CNAB_ERR_NOMEM;
			goto out;
		}
	}
	st = CNAB_OK;
out:
	json_decref(sorted);
	free(m);
	return st;
}

/* Finds key in obj; an error unless obj is an object. */
static enum cnab_status get_member(const json_t *obj, const char *key,
                                   bool required, json_t **out,
                                   const char *subject, struct cnab_err *err)
{
	*out = NULL;
	if (!json_is_object(obj))
		return cnab_err_set(err, CNAB_ERR_INVALID,
		                    "invalid '%s': expected an object holding "
		                    "field '%s'",
		                    subject, key);
	*out = json_object_get(obj, key);
	if (!*out && required)
		return cnab_err_set(err, CNAB_ERR_INVALID,
		                    "invalid '%s': missing field '%s'", subject,
		                    key);
	return CNAB_OK;
}

enum cnab_status cnab_json_get_string(const json_t *obj, const char *key,
                                      bool required, const char **out,
                                      const char *subject, struct cnab_err *err)
{
	json_t *v;
	enum cnab_status st;

	*out = NULL;
	st = get_member(obj, key, required, &v, subject, err);
	if (st != CNAB_OK || !v)
		goto out;
	if (!json_is_string(v)) {
		st = cnab_err_set(err, CNAB_ERR_INVALID,
		                  "invalid '%s': field '%s' must be a string",
		                  subject, key);
		goto out;
	}
	if (strlen(json_string_value(v)) != json_string_length(v)) {
		st = cnab_err_set(err, CNAB_ERR_INVALID,
		                  "invalid '%s': field '%s' holds a NUL "
		                  "character",
		                  subject, key);
		goto out;
	}
	*out = json_string_value(v);
out:
	return st;
}

enum cnab_status cnab_json_get_u64(const json_t *obj, const char *key,
                                   bool required, uint64_t *out, bool *present,
                                   const char *subject, struct cnab_err *err)
{
	/* 2^53: above it a double no longer holds every integer. */
	const double max_exact = 9007199254740992.0;
	json_t *v;
	json_int_t i;
	double r;
	enum cnab_status st;

	*out = 0;
	if (present)
		*present = false;
	st = get_member(obj, key, required, &v, subject, err);
	if (st != CNAB_OK || !v)
		goto out;
	if (json_is_integer(v) && (i = json_integer_value(v)) >= 0) {
		*out = (uint64_t)i;
	} else if (json_is_real(v) && (r = json_real_value(v)) >= 0 &&
	           r <= max_exact && r == (double)(uint64_t)r) {
		*out = (uint64_t)r;
	} else {
		st = cnab_err_set(err, CNAB_ERR_INVALID,
		                  "invalid '%s': field '%s' must be a "
		                  "non-negative integer",
		                  subject, key);
		goto out;
	}
	if (present)
		*present = true;
out:
	return st;
}

size_t cnab_json_ws_len(const void *p, size_t n)
{
	const char *c = p;
	size_t i = 0;

	while (i < n &&
	       (c[i] == ' ' || c[i] == '\t' || c[i] == '\r' || c[i] == '\n'))
		i++;
	return i;
}

bool cnab_json_looks_object(const void *p, size_t n)
{
	size_t i = cnab_json_ws_len(p, n);

	return i < n && ((const char *)p)[i] == '{';
}
