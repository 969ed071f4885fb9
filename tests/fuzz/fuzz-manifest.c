/*
 * Image manifests and indexes, with each media type a registry or a
 * descriptor may announce, and the bundle's index and config manifest
 * read back from a registry.
 */
#include <stdint.h>
#include <stdlib.h>

#include <jansson.h>

#include "common/oci.h"
#include "formats/cnaboci.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const hints[] = {
        NULL,
        CNAB_MT_OCI_MANIFEST,
        CNAB_MT_OCI_INDEX,
        CNAB_MT_DOCKER_MANIFEST,
        CNAB_MT_DOCKER_LIST,
};

/* Copies a descriptor and writes it as JSON, as the tools do. */
static void use_descriptor(const struct cnab_descriptor *d)
{
	struct cnab_descriptor copy = CNAB_DESCRIPTOR_INIT;
	json_t *j;

	(void)cnab_descriptor_annotation(d, CNAB_ANNOTATION_REF_NAME);
	if (cnab_descriptor_copy(&copy, d) == CNAB_OK) {
		j = cnab_descriptor_json(&copy);
		json_decref(j);
	}
	cnab_descriptor_release(&copy);
}

static void manifest(const uint8_t *data, size_t size, const char *hint)
{
	struct cnab_manifest m = CNAB_MANIFEST_INIT;
	struct cnab_err err = CNAB_ERR_INIT;
	size_t i;

	if (cnab_manifest_parse(&m, data, size, hint, "fuzz", &err) ==
	    CNAB_OK) {
		if (!m.media_type || !m.root)
			abort();
		if (!m.is_index)
			use_descriptor(&m.config);
		for (i = 0; i < m.nlayers; i++)
			use_descriptor(&m.layers[i]);
		for (i = 0; i < m.nmanifests; i++)
			use_descriptor(&m.manifests[i]);
	}
	cnab_manifest_release(&m);
}

static void bundle_index(const uint8_t *data, size_t size, const char *hint)
{
	struct cnab_oci_pulled p;
	struct cnab_err err = CNAB_ERR_INIT;
	size_t i;

	if (cnab_oci_pull_index(&p, data, size, hint, "fuzz", &err) ==
	    CNAB_OK) {
		if (!p.config)
			abort();
		use_descriptor(p.config);
		for (i = 0; i < p.ninvocation; i++)
			use_descriptor(p.invocation[i]);
	}
	cnab_oci_pulled_release(&p);
}

static void config_blob(const uint8_t *data, size_t size, const char *hint)
{
	struct cnab_descriptor d = CNAB_DESCRIPTOR_INIT;
	struct cnab_err err = CNAB_ERR_INIT;

	if (cnab_oci_config_blob(data, size, hint, &d, "fuzz", &err) == CNAB_OK)
		use_descriptor(&d);
	cnab_descriptor_release(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t i;

	for (i = 0; i < sizeof(hints) / sizeof(hints[0]); i++) {
		manifest(data, size, hints[i]);
		bundle_index(data, size, hints[i]);
		config_blob(data, size, hints[i]);
	}
	return 0;
}
