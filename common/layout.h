/*
 * OCI image layouts in a directory: oci-layout, index.json, blobs/.
 */
#ifndef CNAB_COMMON_LAYOUT_H
#define CNAB_COMMON_LAYOUT_H

#include <stddef.h>

#include "common/image.h"
#include "common/oci.h"
#include "common/status.h"

struct cnab_layout {
	char *dir;
	char *label;                /* "layout 'DIR'" */
	struct cnab_manifest index; /* index.json */
};
#define CNAB_LAYOUT_INIT                                                       \
	{                                                                      \
		NULL, NULL, CNAB_MANIFEST_INIT                                 \
	}

/*
 * Opens the layout in dir: checks oci-layout and parses index.json.  Not a
 * layout: CNAB_ERR_NOTFOUND (missing files) or CNAB_ERR_INVALID.
 */
enum cnab_status cnab_layout_open(struct cnab_layout *l, const char *dir,
                                  struct cnab_err *err);
void cnab_layout_release(struct cnab_layout *l);

/* Checks the text of an oci-layout file (imageLayoutVersion 1.0.0). */
enum cnab_status cnab_layout_check_marker(const char *data, size_t len,
                                          const char *subject,
                                          struct cnab_err *err);

/*
 * The path of a blob, "DIR/blobs/ALG/HEX"; the caller frees it.  NULL when
 * memory runs out.
 */
char *cnab_layout_blob_path(const struct cnab_layout *l,
                            const struct cnab_digest *d);

/*
 * Finds the root descriptor of an image in index.json: the first entry
 * whose ref-name annotation names ref (the same reference once
 * normalised), or whose digest is the one ref or content_digest (may be
 * NULL) pins.  What is found must have the digests ref and content_digest
 * pin (cnab_image_check_pins): an annotation that says otherwise is
 * CNAB_ERR_INTEGRITY naming both digests.  *out is a copy the caller
 * releases.  Not there: CNAB_ERR_NOTFOUND, err left untouched.
 */
enum cnab_status cnab_layout_find_image(const struct cnab_layout *l,
                                        const char *ref,
                                        const char *content_digest,
                                        struct cnab_descriptor *out,
                                        struct cnab_err *err);

/* The layout as a blob source (manifests verified as they are read). */
struct cnab_blob_source cnab_layout_source(struct cnab_layout *l);

#endif
