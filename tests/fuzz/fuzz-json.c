/*
 * JSON: the strict parser, and the two writers on what it accepts.
 *
 * Checked: the canonical form (RFC 8785) parses, and is its own canonical
 * form; Go's form parses, back to an equal value when every number is a
 * real.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "common/buf.h"
#include "common/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX CNAB_MAX_DOCUMENT

static void canonical(const json_t *v)
{
	struct cnab_buf c1 = CNAB_BUF_INIT(4 * MAX),
	                c2 = CNAB_BUF_INIT(4 * MAX);
	struct cnab_err err = CNAB_ERR_INIT;
	json_t *again = NULL;

	if (cnab_json_canonical(v, &c1) != CNAB_OK)
		goto out;
	if (cnab_json_parse(c1.data, c1.len, 4 * MAX, CNAB_JSON_NUMBERS_AS_REAL,
	                    "canonical", &again, &err) != CNAB_OK)
		abort();
	if (cnab_json_canonical(again, &c2) != CNAB_OK)
		abort();
	if (c1.len != c2.len || memcmp(c1.data, c2.data, c1.len))
		abort();
out:
	json_decref(again);
	cnab_buf_release(&c1);
	cnab_buf_release(&c2);
}

static void go(const json_t *v, int flags)
{
	struct cnab_buf g = CNAB_BUF_INIT(8 * MAX),
	                gi = CNAB_BUF_INIT(16 * MAX);
	struct cnab_err err = CNAB_ERR_INIT;
	json_t *again = NULL;

	if (cnab_json_go(v, &g) != CNAB_OK)
		goto out;
	/* Go writes a float64 below 1e21 without an exponent, an integer
	 * too long for json_int_t: only reals read it back */
	if (cnab_json_parse(g.data, g.len, 8 * MAX, CNAB_JSON_NUMBERS_AS_REAL,
	                    "go", &again, &err) != CNAB_OK)
		abort();
	/* and the integers of a value read without NUMBERS_AS_REAL, and its
	 * reals such as 1.0 (written "1"), come back as other reals */
	if ((flags & CNAB_JSON_NUMBERS_AS_REAL) && !json_equal(v, again))
		abort();
	(void)cnab_json_go_indent(v, "   ", &gi);
out:
	json_decref(again);
	cnab_buf_release(&g);
	cnab_buf_release(&gi);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int flags[] = {0, CNAB_JSON_NUMBERS_AS_REAL};
	struct cnab_err err = CNAB_ERR_INIT;
	json_t *v;
	size_t i;

	for (i = 0; i < 2; i++) {
		v = NULL;
		cnab_err_clear(&err);
		if (cnab_json_parse(data, size, MAX, flags[i], "fuzz", &v,
		                    &err) != CNAB_OK)
			continue;
		canonical(v);
		go(v, flags[i]);
		if (json_is_object(v))
			(void)cnab_json_object_sort(v);
		json_decref(v);
	}
	return 0;
}
