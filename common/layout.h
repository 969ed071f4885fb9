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

/* The layout as a blob source (manifests verified as they are read). */
struct cnab_blob_source cnab_layout_source(struct cnab_layout *l);

#endif
