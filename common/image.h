/*
 * Walking an image: from a root descriptor (a manifest or an index) to
 * every manifest, index, config and layer it references, read from a blob
 * source (an OCI layout, an archive being read, a registry repository).
 */
#ifndef CNAB_COMMON_IMAGE_H
#define CNAB_COMMON_IMAGE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/map.h"
#include "common/oci.h"
#include "common/status.h"

/* Where an image's manifests and blobs are read from. */
struct cnab_blob_source {
	/*
	 * Reads the manifest or index d names (at most CNAB_MAX_DOCUMENT
	 * bytes), verified against d's digest and size.  The caller frees
	 * *data.  Absent: CNAB_ERR_NOTFOUND.
	 */
	enum cnab_status (*get_manifest)(void *ctx,
	                                 const struct cnab_descriptor *d,
	                                 char **data, size_t *len,
	                                 struct cnab_err *err);
	/*
	 * Tells whether the blob d names is present.  May be NULL when the
	 * source cannot tell cheaply (the blob is then assumed present).
	 */
	enum cnab_status (*has_blob)(void *ctx, const struct cnab_descriptor *d,
	                             bool *has, struct cnab_err *err);
	void *ctx;
	const char *name; /* for messages: "archive 'x.tgz'", ... */
};

/* One object of an image. */
struct cnab_image_node {
	struct cnab_descriptor desc;
	bool is_manifest; /* a manifest or an index */
	char *data;       /* manifests and indexes: their bytes */
	size_t len;
};

/*
 * The objects of one or more images, each digest once, every object after
 * everything it references (so pushing in this order never refers to
 * something not yet pushed).
 */
struct cnab_image_tree {
	struct cnab_image_node *nodes;
	size_t n, alloc;
	struct cnab_map seen; /* digest -> node index + 1 */
};
#define CNAB_IMAGE_TREE_INIT                                                   \
	{                                                                      \
		NULL, 0, 0, CNAB_MAP_INIT                                      \
	}

/* The deepest nesting of indexes followed. */
#define CNAB_IMAGE_MAX_DEPTH 4

/*
 * Adds the image rooted at root, reading it from src.  subject names the
 * image in messages.  A manifest or blob the source lacks is
 * CNAB_ERR_NOTFOUND; a malformed manifest CNAB_ERR_INVALID.
 */
enum cnab_status cnab_image_tree_add(struct cnab_image_tree *t,
                                     const struct cnab_blob_source *src,
                                     const struct cnab_descriptor *root,
                                     const char *subject, struct cnab_err *err);

/*
 * The same, when the root's bytes are at hand already (verified against
 * root by the caller), so that they are not fetched again.
 */
enum cnab_status cnab_image_tree_add_root(struct cnab_image_tree *t,
                                          const struct cnab_blob_source *src,
                                          const struct cnab_descriptor *root,
                                          const char *data, size_t len,
                                          const char *subject,
                                          struct cnab_err *err);

/*
 * The rule of digest pins, for every way an image is resolved (a registry,
 * an OCI layout, a thick archive; by reference, by ref-name annotation, by
 * digest): when ref, the image's reference as written, carries a digest
 * ("repo@sha256:..."), and when content_digest (a bundle's contentDigest)
 * is given, root, the digest of the manifest or index the image resolved
 * to, must be exactly that.  ref and content_digest may be NULL (a ref that
 * does not parse pins nothing: other checks refuse it).  where names the
 * source in messages ("layout 'DIR'"; NULL: none).
 *
 * root NULL checks the pins before anything is resolved: that each can be
 * verified (cnab_digest_check_pin), and that ref's and content_digest
 * agree.  Failures: CNAB_ERR_INVALID for a pin that cannot be verified;
 * CNAB_ERR_INTEGRITY naming both digests.
 */
enum cnab_status cnab_image_check_pins(const char *ref,
                                       const char *content_digest,
                                       const struct cnab_digest *root,
                                       const char *where, struct cnab_err *err);

/* The node of a digest ("sha256:..."), or NULL. */
const struct cnab_image_node *
cnab_image_tree_find(const struct cnab_image_tree *t, const char *digest);

void cnab_image_tree_release(struct cnab_image_tree *t);

/* A descriptor of a digest, for messages and lookups: "sha256:<hex>". */
#define CNAB_DESC_DIGEST(d, buf)                                               \
	(cnab_digest_format(&(d)->digest, (buf)), (buf))

#endif
