/*
 * Reading a published bundle back from a registry (DESIGN 3.5, "Pull"):
 * shared by cnab-inspect -r, cnab-archive -r and cnab-relocate.
 */
#ifndef CNAB_TOOLS_PULL_H
#define CNAB_TOOLS_PULL_H

#include <stddef.h>

#include "common/oci.h"
#include "common/reference.h"
#include "common/registry.h"
#include "common/status.h"
#include "common/transfer.h"
#include "formats/bundle.h"
#include "formats/cnaboci.h"
#include "formats/relocation.h"

struct cnab_pulled {
	struct cnab_ref ref;
	char *name;    /* REGISTRY/REPO */
	char *subject; /* the reference as given, for messages */
	struct cnab_registry *reg;
	struct cnab_reg_manifest raw; /* the index as served */
	struct cnab_oci_pulled index;
	char *bundle_data; /* the config blob: bundle.json */
	size_t bundle_len;
	struct cnab_bundle bundle;
	struct cnab_relocation mapping;        /* original -> REPO@digest */
	const struct cnab_descriptor **images; /* per bundle image */
};

/*
 * Pulls the bundle at ref (a tag or a digest) from reg (which the pulled
 * bundle borrows): the index or manifest list, the config manifest, the
 * bundle.json it wraps (verified, at most CNAB_MAX_DOCUMENT bytes), and
 * where each image is.  An ordinary image: CNAB_ERR_NOTFOUND saying so.
 */
enum cnab_status cnab_pull_bundle(struct cnab_pulled *p,
                                  struct cnab_registry *reg, const char *ref,
                                  struct cnab_err *err);
void cnab_pulled_release(struct cnab_pulled *p);

/*
 * Adds every image of b to t, in the bundle's order, each with its
 * descriptor in the published bundle (in_bundle[i]; none when in_bundle is
 * NULL).  An image whose type registries do not hold is refused, before any
 * request: "cannot VERB LABEL 'IMAGE': image type 'T' is not held in
 * registries".
 */
enum cnab_status
cnab_pull_add_images(struct cnab_transfer *t, const struct cnab_bundle *b,
                     const struct cnab_descriptor *const *in_bundle,
                     const char *verb, struct cnab_err *err);

#endif
