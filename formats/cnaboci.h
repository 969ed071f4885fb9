/*
 * The bundle in a registry (CNAB Registry 1.0, as cnab-to-oci writes it,
 * DESIGN 3.5): the config blob (canonical bundle.json), the config
 * manifest wrapping it, and the index that names the config manifest and
 * every image; and reading them back.
 */
#ifndef CNAB_FORMATS_CNABOCI_H
#define CNAB_FORMATS_CNABOCI_H

#include <stdbool.h>
#include <stddef.h>

#include "common/buf.h"
#include "common/oci.h"
#include "common/status.h"
#include "formats/bundle.h"
#include "formats/relocation.h"

#define CNAB_ANN_TYPE          "io.cnab.manifest.type"
#define CNAB_ANN_COMPONENT     "io.cnab.component.name"
#define CNAB_ANN_RUNTIME       "io.cnab.runtime_version"
#define CNAB_ANN_KEYWORDS      "io.cnab.keywords"
#define CNAB_ANN_ARTIFACT_TYPE "org.opencontainers.artifactType"
#define CNAB_ARTIFACT_TYPE     "application/vnd.cnab.manifest.v1"

/* The forms of the config manifest, in the order registries are tried. */
enum cnab_oci_config_form {
	CNAB_OCI_CONFIG_CNAB,   /* config media type vnd.cnab.config */
	CNAB_OCI_CONFIG_OCI,    /* config media type vnd.oci.image.config */
	CNAB_OCI_CONFIG_DOCKER, /* a Docker schema2 manifest */
	CNAB_OCI_CONFIG_FORMS,
};

/*
 * Writes the config manifest for a config blob of the given digest and
 * size in form; *config_mt is the blob's media type and *manifest_mt the
 * manifest's (static strings).
 */
enum cnab_status
cnab_oci_config_manifest(const struct cnab_digest *blob, uint64_t size,
                         enum cnab_oci_config_form form, struct cnab_buf *out,
                         const char **config_mt, const char **manifest_mt,
                         struct cnab_err *err);

/*
 * The descriptor an image of the bundle gets in the index: the bundle's
 * mediaType (or the default of its imageType), contentDigest and size.
 * CNAB_ERR_INVALID when any is missing or unsupported.
 */
enum cnab_status cnab_oci_image_descriptor(const struct cnab_bundle_image *img,
                                           struct cnab_descriptor *out,
                                           struct cnab_err *err);

/*
 * Writes the index for bundle b whose config manifest is config: the
 * config manifest, the invocation images, the component images sorted by
 * name; annotations as cnab-to-oci sets them.  docker_list: the Docker
 * manifest list fallback.  *media_type is the index's.
 */
enum cnab_status cnab_oci_index(const struct cnab_bundle *b,
                                const struct cnab_descriptor *config,
                                bool docker_list, struct cnab_buf *out,
                                const char **media_type, struct cnab_err *err);

/* A bundle's index as read back from a registry. */
struct cnab_oci_pulled {
	struct cnab_manifest index;
	const struct cnab_descriptor *config;      /* the config manifest */
	const struct cnab_descriptor **invocation; /* in order */
	size_t ninvocation;
};

/*
 * Parses an index or manifest list pushed for a bundle.  Not a bundle (an
 * ordinary image, or an index without a config manifest):
 * CNAB_ERR_NOTFOUND saying so, naming subject.
 */
enum cnab_status cnab_oci_pull_index(struct cnab_oci_pulled *p,
                                     const void *data, size_t len,
                                     const char *media_type,
                                     const char *subject, struct cnab_err *err);
void cnab_oci_pulled_release(struct cnab_oci_pulled *p);

/*
 * Finds the config blob's descriptor in a config manifest (any of the
 * three forms).
 */
enum cnab_status cnab_oci_config_blob(const void *manifest, size_t len,
                                      const char *media_type,
                                      struct cnab_descriptor *out,
                                      const char *subject,
                                      struct cnab_err *err);

/*
 * Where each image of b is in the bundle's repository (repo, e.g.
 * "localhost:5000/acme/app"): original reference -> repo@digest, from the
 * pulled index.  An image of the bundle the index lacks: CNAB_ERR_CORRUPT;
 * an index descriptor of another digest than the image's reference or
 * contentDigest pins: CNAB_ERR_INTEGRITY (cnab_image_check_pins).  out[i]
 * is the descriptor of b's image i (pointing into p).
 */
enum cnab_status cnab_oci_relocation(const struct cnab_bundle *b,
                                     const struct cnab_oci_pulled *p,
                                     const char *repo,
                                     struct cnab_relocation *map,
                                     const struct cnab_descriptor **out,
                                     struct cnab_err *err);

/*
 * The same for a bundle whose images all carry their contentDigest: where
 * publishing it to repo puts them.
 */
enum cnab_status cnab_oci_relocation_from_bundle(const struct cnab_bundle *b,
                                                 const char *repo,
                                                 struct cnab_relocation *map,
                                                 struct cnab_err *err);

#endif
