/*
 * CNAB bundle.json (CNAB Core 1.2): parsing with every unknown field kept,
 * the image lists, filling in what archiving learns about images, and the
 * canonical (RFC 8785) form.
 */
#ifndef CNAB_FORMATS_BUNDLE_H
#define CNAB_FORMATS_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/buf.h"
#include "common/status.h"

/* An invocation image or a component image. */
struct cnab_bundle_image {
	const char *name;       /* component name; NULL for invocation images */
	size_t index;           /* position in invocationImages */
	json_t *obj;            /* the image's object in the bundle */
	const char *image;      /* the reference as written */
	const char *image_type; /* "oci" when absent */
	const char *content_digest; /* NULL when absent */
	const char *media_type;     /* NULL when absent */
	const char *description;    /* NULL when absent */
	uint64_t size;
	bool has_size;
};

struct cnab_bundle {
	json_t *root;
	const char *schema_version;
	const char *name;
	const char *version;
	const char *description; /* NULL when absent */
	/* invocation images first, then component images sorted by name */
	struct cnab_bundle_image *images;
	size_t nimages;
	size_t ninvocation;
};
#define CNAB_BUNDLE_INIT                                                       \
	{                                                                      \
		NULL, NULL, NULL, NULL, NULL, NULL, 0, 0                       \
	}

/*
 * Parses bundle.json (at most CNAB_MAX_DOCUMENT bytes).  Checks the
 * required fields and that every image reference is valid; malformed or
 * invalid: CNAB_ERR_INVALID naming subject.
 */
enum cnab_status cnab_bundle_parse(struct cnab_bundle *b, const void *data,
                                   size_t len, const char *subject,
                                   struct cnab_err *err);

/* The same, from a parsed document; takes a new reference to root. */
enum cnab_status cnab_bundle_from_json(struct cnab_bundle *b, json_t *root,
                                       const char *subject,
                                       struct cnab_err *err);

void cnab_bundle_release(struct cnab_bundle *b);

/* Appends the canonical form of the bundle to out. */
enum cnab_status cnab_bundle_canonical(const struct cnab_bundle *b,
                                       struct cnab_buf *out,
                                       struct cnab_err *err);

/*
 * Records what was archived for an image: fills contentDigest, size and
 * mediaType where absent; a value present but different is
 * CNAB_ERR_INTEGRITY.  The image's fields are refreshed.
 */
enum cnab_status cnab_bundle_fill_image(struct cnab_bundle *b,
                                        struct cnab_bundle_image *img,
                                        const char *digest, uint64_t size,
                                        const char *media_type,
                                        struct cnab_err *err);

/* True for image types held in OCI registries ("oci", "docker"). */
bool cnab_bundle_image_is_oci(const struct cnab_bundle_image *img);

/* A label for an image in messages: "invocation image 0" or "image 'x'". */
void cnab_bundle_image_label(const struct cnab_bundle_image *img, char *buf,
                             size_t size);

#endif
