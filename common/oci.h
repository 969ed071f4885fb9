/*
 * OCI descriptors, image manifests and indexes, in their OCI and Docker
 * media types, parsed with size caps.
 */
#ifndef CNAB_COMMON_OCI_H
#define CNAB_COMMON_OCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/digest.h"
#include "common/status.h"

#define CNAB_MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define CNAB_MT_OCI_INDEX    "application/vnd.oci.image.index.v1+json"
#define CNAB_MT_DOCKER_MANIFEST                                                \
	"application/vnd.docker.distribution.manifest.v2+json"
#define CNAB_MT_DOCKER_LIST                                                    \
	"application/vnd.docker.distribution.manifest.list.v2+json"
#define CNAB_MT_OCI_CONFIG    "application/vnd.oci.image.config.v1+json"
#define CNAB_MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define CNAB_MT_CNAB_CONFIG   "application/vnd.cnab.config.v1+json"

#define CNAB_ANNOTATION_REF_NAME "org.opencontainers.image.ref.name"

/* True for the two manifest media types. */
bool cnab_mt_is_manifest(const char *mt);
/* True for the two index (manifest list) media types. */
bool cnab_mt_is_index(const char *mt);
/* True for any of the four. */
bool cnab_mt_is_manifest_or_index(const char *mt);
/*
 * True for layer media types whose bytes are compressed already (gzip,
 * zstd), which are not worth compressing again.
 */
bool cnab_mt_is_compressed(const char *mt);

struct cnab_descriptor {
	char *media_type;
	struct cnab_digest digest;
	uint64_t size;
	json_t *annotations; /* an object, or NULL */
	json_t *platform;    /* an object, or NULL */
};
#define CNAB_DESCRIPTOR_INIT                                                   \
	{                                                                      \
		NULL, {0, {0}}, 0, NULL, NULL                                  \
	}

/*
 * Reads a descriptor from a JSON object: mediaType, digest (valid) and size
 * are required.  CNAB_ERR_INVALID naming subject when it is malformed.
 */
enum cnab_status cnab_descriptor_parse(struct cnab_descriptor *d,
                                       const json_t *obj, const char *subject,
                                       struct cnab_err *err);
/* A deep copy of src. */
enum cnab_status cnab_descriptor_copy(struct cnab_descriptor *dst,
                                      const struct cnab_descriptor *src);
void cnab_descriptor_release(struct cnab_descriptor *d);
/* An annotation's value, or NULL. */
const char *cnab_descriptor_annotation(const struct cnab_descriptor *d,
                                       const char *key);

/*
 * d as a JSON object with the members in the order Go's OCI descriptor
 * struct writes them (mediaType, digest, size, annotations, platform).
 * NULL when memory runs out.
 */
json_t *cnab_descriptor_json(const struct cnab_descriptor *d);

/*
 * Appends d to the "manifests" array of an index object (made when
 * missing), with annotations (taken: released in any case) in place of
 * d's own.  Out of memory: CNAB_ERR_NOMEM.
 */
enum cnab_status cnab_index_append(json_t *index,
                                   const struct cnab_descriptor *d,
                                   json_t *annotations, struct cnab_err *err);

/* An image manifest or an index. */
struct cnab_manifest {
	bool is_index;
	char *media_type; /* the document's, else the hint, else OCI's */
	struct cnab_descriptor config;  /* manifests */
	struct cnab_descriptor *layers; /* manifests */
	size_t nlayers;
	struct cnab_descriptor *manifests; /* indexes */
	size_t nmanifests;
	json_t *annotations; /* or NULL */
	json_t *root;        /* the whole document */
};
#define CNAB_MANIFEST_INIT                                                     \
	{                                                                      \
		0                                                              \
	}

/*
 * Parses a manifest or index of at most CNAB_MAX_DOCUMENT bytes.
 * media_type is what the referring descriptor or the registry said (NULL
 * if nothing did); it must agree with the document's own mediaType field
 * when both are present.  Malformed documents are CNAB_ERR_INVALID.
 */
enum cnab_status cnab_manifest_parse(struct cnab_manifest *m, const void *data,
                                     size_t len, const char *media_type,
                                     const char *subject, struct cnab_err *err);
void cnab_manifest_release(struct cnab_manifest *m);

#endif
