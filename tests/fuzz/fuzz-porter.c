/*
 * porter.yaml to bundle.json.
 *
 * Checked: a document cnab_porter_to_bundle accepts is a valid bundle.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "formats/bundle.h"
#include "formats/porter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* True when cnab_bundle_parse_any takes the input for JSON. */
static bool looks_json(const uint8_t *p, size_t n)
{
	while (n && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) {
		p++;
		n--;
	}
	return n && *p == '{';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cnab_bundle b = CNAB_BUNDLE_INIT;
	struct cnab_err err = CNAB_ERR_INIT;
	json_t *doc = NULL;
	char *tag = NULL;

	if (cnab_porter_to_bundle(data, size, "fuzz", &doc, &tag, &err) !=
	    CNAB_OK)
		goto out;
	if (!doc || !tag)
		abort();
	if (cnab_bundle_from_json(&b, doc, "fuzz", &err) != CNAB_OK)
		abort();
	cnab_bundle_release(&b);
	cnab_err_clear(&err);
	/* and through the entry point the tools use */
	if (cnab_bundle_parse_any(&b, data, size, "fuzz", &err) != CNAB_OK &&
	    !looks_json(data, size))
		abort();
out:
	cnab_bundle_release(&b);
	json_decref(doc);
	free(tag);
	return 0;
}
