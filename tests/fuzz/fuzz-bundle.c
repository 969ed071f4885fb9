/*
 * bundle.json: parsing, and the canonical form of what parses.
 *
 * Checked: the canonical form of a valid bundle is a valid bundle whose
 * canonical form is itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "formats/bundle.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cnab_bundle b = CNAB_BUNDLE_INIT, b2 = CNAB_BUNDLE_INIT;
	struct cnab_buf c1 = CNAB_BUF_INIT(CNAB_MAX_DOCUMENT);
	struct cnab_buf c2 = CNAB_BUF_INIT(CNAB_MAX_DOCUMENT);
	struct cnab_err err = CNAB_ERR_INIT;
	char label[300];
	size_t i;

	if (cnab_bundle_parse(&b, data, size, "fuzz", &err) != CNAB_OK)
		goto out;
	for (i = 0; i < b.nimages; i++) {
		cnab_bundle_image_label(&b.images[i], label, sizeof(label));
		(void)cnab_bundle_image_is_oci(&b.images[i]);
	}
	if (cnab_bundle_canonical(&b, &c1, &err) != CNAB_OK)
		goto out;
	if (cnab_bundle_parse(&b2, c1.data, c1.len, "canonical", &err) !=
	    CNAB_OK)
		abort();
	if (b2.nimages != b.nimages || b2.ninvocation != b.ninvocation)
		abort();
	if (cnab_bundle_canonical(&b2, &c2, &err) != CNAB_OK)
		abort();
	if (c1.len != c2.len || memcmp(c1.data, c2.data, c1.len))
		abort();
out:
	cnab_bundle_release(&b);
	cnab_bundle_release(&b2);
	cnab_buf_release(&c1);
	cnab_buf_release(&c2);
	return 0;
}
