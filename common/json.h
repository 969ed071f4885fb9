/*
 * JSON on top of jansson: a capped, strict parse helper, the two writers
 * jansson does not have (RFC 8785 canonical form, and Go's encoding/json
 * byte layout as cnab-to-oci writes it), and typed getters for document
 * parsers.
 *
 * Numbers are formatted by hand, never with the C library's "%g", so the
 * output does not depend on the locale; the tools never call setlocale()
 * with LC_NUMERIC (or LC_ALL) anyway.
 */
#ifndef CNAB_COMMON_JSON_H
#define CNAB_COMMON_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/buf.h"
#include "common/status.h"

/* Deepest nesting of arrays and objects parsed or written. */
#define CNAB_JSON_MAX_DEPTH 64

/* Room cnab_json_format_number() needs, the terminating NUL included. */
#define CNAB_JSON_NUMBER_MAX 32

/* Flags of cnab_json_parse(). */
enum {
	/*
	 * Every number becomes a real (an IEEE double, as RFC 8785 sees
	 * numbers), so integers beyond 64 bits parse instead of failing.
	 */
	CNAB_JSON_NUMBERS_AS_REAL = 1,
};

/*
 * Parses len bytes of JSON text (any value, not only an object or array).
 * Refused, as CNAB_ERR_INVALID: malformed JSON, trailing garbage, duplicate
 * object keys, invalid UTF-8, "\u0000" in strings, nesting deeper than
 * CNAB_JSON_MAX_DEPTH; the message is "cannot parse '<subject>': line L
 * column C: reason" (subject names the document: a file name or a
 * description).  More than max bytes is CNAB_ERR_TOOBIG.  On success *out
 * is a new reference the caller releases with json_decref().
 */
enum cnab_status cnab_json_parse(const void *data, size_t len, size_t max,
                                 int flags, const char *subject, json_t **out,
                                 struct cnab_err *err);

/*
 * Appends the RFC 8785 (JCS) canonical form of v to out: no whitespace,
 * object keys sorted by their UTF-16 code units, numbers as ECMAScript
 * writes them (integers too are converted to a double first), minimal
 * string escaping.  Returns CNAB_ERR_INVALID for a value JCS cannot write
 * (a non-finite number, a string that is not UTF-8, nesting deeper than
 * CNAB_JSON_MAX_DEPTH), or the buffer's CNAB_ERR_TOOBIG / CNAB_ERR_NOMEM.
 * On failure out may hold part of the output.
 */
enum cnab_status cnab_json_canonical(const json_t *v, struct cnab_buf *out);

/*
 * Appends v as Go's encoding/json Marshal writes it: compact, object
 * members in insertion order (insert struct fields in Go's field order,
 * and sort maps with cnab_json_object_sort()), strings with '<' '>' '&'
 * U+2028 U+2029 and control characters escaped as Go 1.22 and later do
 * (\b and \f as short escapes, the others as \u00xx), integers in
 * decimal, reals as Go formats a float64.  Returns CNAB_ERR_INVALID for a
 * non-finite number or nesting deeper than CNAB_JSON_MAX_DEPTH, or the
 * buffer's CNAB_ERR_TOOBIG / CNAB_ERR_NOMEM.  On failure out may hold part
 * of the output.
 */
enum cnab_status cnab_json_go(const json_t *v, struct cnab_buf *out);

/*
 * The same, indented as Go's json.MarshalIndent(v, "", indent) writes it
 * (no final newline).
 */
enum cnab_status cnab_json_go_indent(const json_t *v, const char *indent,
                                     struct cnab_buf *out);

/*
 * Re-orders the members of the object obj by key, comparing bytes (as Go
 * orders map keys); nested objects are left as they are.  Returns
 * CNAB_ERR_INVALID if obj is not an object, CNAB_ERR_NOMEM when memory
 * runs out (obj may then have lost members).
 */
enum cnab_status cnab_json_object_sort(json_t *obj);

/*
 * Writes d into buf the way ECMAScript's Number::toString does (shortest
 * digits that read back as d; -0 is "0").  Returns false, writing nothing,
 * for NaN and infinities or when size is below CNAB_JSON_NUMBER_MAX.
 */
bool cnab_json_format_number(double d, char *buf, size_t size);

/*
 * Gets the string member key of the object obj.  *out points into obj (it
 * lives as long as obj does).  An absent member is CNAB_OK with *out NULL
 * unless required; a member of another type (null included), one holding
 * a NUL, or obj not being an object is CNAB_ERR_INVALID, with messages
 * such as "invalid '<subject>': field '<key>' must be a string".
 */
enum cnab_status cnab_json_get_string(const json_t *obj, const char *key,
                                      bool required, const char **out,
                                      const char *subject,
                                      struct cnab_err *err);

/*
 * Gets the member key of the object obj as an unsigned integer: a JSON
 * integer >= 0, or an integral real from 0 to 2^53.  *present (which may
 * be NULL) tells whether the member was there; an absent member is CNAB_OK
 * with *out 0 unless required.  Anything else is CNAB_ERR_INVALID
 * ("invalid '<subject>': field '<key>' must be a non-negative integer").
 */
enum cnab_status cnab_json_get_u64(const json_t *obj, const char *key,
                                   bool required, uint64_t *out, bool *present,
                                   const char *subject, struct cnab_err *err);

/*
 * How many bytes at the start of p (n long) are JSON whitespace: space,
 * tab, CR and LF.  NUL is not whitespace.
 */
size_t cnab_json_ws_len(const void *p, size_t n);

/* True when p (n long) starts, after JSON whitespace, with '{'. */
bool cnab_json_looks_object(const void *p, size_t n);

#endif
