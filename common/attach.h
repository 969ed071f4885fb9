/*
 * Attachments (DESIGN 7, issue 16): what is attached to an image or to a
 * bundle's own index, in the same repository:
 *   - cosign's tag scheme: tags sha256-<hex>.sig, .att and .sbom, where
 *     <hex> is the subject's digest;
 *   - OCI 1.1 referrers: manifests whose subject names it, listed by the
 *     referrers API (GET /v2/<name>/referrers/<digest>) or, where the
 *     registry has none, by the index at the fallback tag sha256-<hex>.
 * In a thick archive each attachment is an index.json entry annotated with
 * its kind, its subject and (cosign) its tag, in a namespace of ours that
 * other readers ignore.
 */
#ifndef CNAB_COMMON_ATTACH_H
#define CNAB_COMMON_ATTACH_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "common/buf.h"
#include "common/digest.h"
#include "common/oci.h"
#include "common/status.h"

enum cnab_attach_kind {
	CNAB_ATTACH_SIG,      /* cosign signature, tag sha256-<hex>.sig */
	CNAB_ATTACH_ATT,      /* cosign attestation, .att */
	CNAB_ATTACH_SBOM,     /* cosign SBOM, .sbom */
	CNAB_ATTACH_REFERRER, /* an OCI 1.1 referrer */
};
#define CNAB_ATTACH_KINDS 4

#define CNAB_ANNOTATION_ATTACH_KIND    "io.cnab-tools.attachment.kind"
#define CNAB_ANNOTATION_ATTACH_SUBJECT "io.cnab-tools.attachment.subject"
#define CNAB_ANNOTATION_ATTACH_TAG     "io.cnab-tools.attachment.tag"

/* The most attachments one run takes, and the deepest nesting followed
 * (an attestation's signature is depth 2). */
#define CNAB_ATTACH_MAX       1000
#define CNAB_ATTACH_MAX_DEPTH 3

/* "sig", "att", "sbom", "referrer". */
const char *cnab_attach_kind_name(enum cnab_attach_kind k);
/* The kind of a name, or -1. */
int cnab_attach_kind_parse(const char *name);

/*
 * The tag of a cosign attachment of subject ("sha256-<hex>.sig"), or for
 * CNAB_ATTACH_REFERRER the referrers' fallback tag ("sha256-<hex>").  NULL
 * when out of memory.  The caller frees it.
 */
char *cnab_attach_tag(const struct cnab_digest *subject,
                      enum cnab_attach_kind k);

struct cnab_attachment {
	enum cnab_attach_kind kind;
	struct cnab_descriptor desc; /* the attachment's manifest */
	struct cnab_digest subject;
	char *tag;           /* a cosign attachment's tag, else NULL */
	char *artifact_type; /* the manifest's artifactType, else its
	                        config's media type, else NULL */
	char *data;          /* the manifest's bytes, when at hand */
	size_t len;
	char *label;   /* for messages: "signature 'TAG' of 'IMAGE'" */
	size_t origin; /* the transfer's image whose repository holds it,
	                  or CNAB_ATTACH_BUNDLE */
	size_t depth;  /* 1: attached to an image or the bundle */
};
#define CNAB_ATTACH_BUNDLE ((size_t)-1)

void cnab_attachment_release(struct cnab_attachment *a);

/*
 * Reads what the manifest data (of a's digest, verified by the caller)
 * says: its artifact type, into a.  Malformed: CNAB_ERR_INVALID.
 */
enum cnab_status cnab_attachment_read(struct cnab_attachment *a,
                                      const char *data, size_t len,
                                      struct cnab_err *err);

/*
 * The descriptor of a as the referrers API lists it (mediaType, digest,
 * size, artifactType, and the manifest's annotations, read from data).
 * NULL when out of memory or data is malformed.
 */
json_t *cnab_attach_referrer_json(const struct cnab_attachment *a,
                                  const char *data, size_t len);

/*
 * Merges the descriptors of add (a JSON array) into the referrers index
 * old (its bytes, or NULL for none): every entry of old is kept, in its
 * order, and those of add whose digest it lacks follow.  *changed tells
 * whether anything was added (out is then the new index, Go-encoded).
 * A malformed old index is CNAB_ERR_CORRUPT naming subject.
 */
enum cnab_status cnab_attach_merge_index(const char *old, size_t old_len,
                                         const json_t *add,
                                         struct cnab_buf *out, bool *changed,
                                         const char *subject,
                                         struct cnab_err *err);

/* Adds a's entry to a layout's index.json object. */
enum cnab_status cnab_attach_index_add(json_t *index,
                                       const struct cnab_attachment *a,
                                       struct cnab_err *err);

/*
 * Reads an index.json entry back: *is tells whether it is an attachment
 * (a is then filled; release it).  An entry with our annotations that are
 * malformed is CNAB_ERR_CORRUPT.
 */
enum cnab_status cnab_attach_from_entry(const struct cnab_descriptor *d,
                                        struct cnab_attachment *a, bool *is,
                                        struct cnab_err *err);

#endif
